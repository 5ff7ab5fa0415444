//===- RuntimeVersion.cpp - a host program on the installed wq runtime ----===//
//
// Prints the runtime's API version and what initializing it says (without a
// GPU: the driver or device it could not find), exercising the installed
// header and library (WQ::wq_runtime).
//
//===----------------------------------------------------------------------===//

#include "wq_runtime.h"

#include <cstdio>

int main() {
  std::printf("wq runtime API version %u\n", wqrtGetApiVersion());
  if (wqrtInit(0) != WQRT_SUCCESS)
    std::printf("init: %s\n", wqrtGetLastErrorMessage());
  else
    std::printf("init: ok\n");
  return 0;
}
