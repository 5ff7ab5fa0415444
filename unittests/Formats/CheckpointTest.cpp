//===- CheckpointTest.cpp - Bit layouts of GPTQ/AWQ/wq checkpoints --------===//
//
// Hand-computed words for each layout, and write/read round trips.
//
//===----------------------------------------------------------------------===//

#include "wq/Formats/Checkpoint.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace wq_formats;
using namespace wq_numerics;

namespace {

/// An 8x8 4-bit asymmetric weight, one group per row: q[n][k] = (n + k) % 16,
/// zero[n] = n + 1, scale 0.5.
QuantizedLinear handMade() {
  QuantizedLinear linear;
  linear.name = "layer.weight";
  linear.n = 8;
  linear.k = 8;
  linear.scheme = QuantScheme{4, false, true, 8, ScaleType::F16};
  initQuantizedMatrix(8, 8, linear.scheme, linear.matrix);
  for (int64_t r = 0; r < 8; ++r) {
    linear.matrix.scales[r] = 0.5f;
    linear.matrix.zeros[r] = static_cast<int32_t>(r + 1);
    for (int64_t c = 0; c < 8; ++c)
      storeElement(linear.matrix, linear.scheme, r, c,
                   static_cast<int32_t>((r + c) % 16));
  }
  return linear;
}

std::string tempPath(const char *name) {
  llvm::SmallString<128> path;
  llvm::sys::path::system_temp_directory(true, path);
  llvm::sys::path::append(path, std::string("wq-checkpoint-test-") + name +
                                    "-" + std::to_string(::getpid()));
  return std::string(path);
}

SafetensorsFile writeAndOpen(const QuantizedLinear &linear,
                             CheckpointFormat format, const char *name) {
  SafetensorsWriter writer;
  EXPECT_FALSE(bool(addQuantizedLinear(writer, linear, format)));
  std::string path = tempPath(name);
  EXPECT_FALSE(bool(writer.write(path)));
  llvm::Expected<SafetensorsFile> file = SafetensorsFile::open(path);
  EXPECT_TRUE(bool(file));
  llvm::sys::fs::remove(path); // the mapping stays valid
  return std::move(*file);
}

uint32_t word(const SafetensorsFile &file, const char *name, int64_t index) {
  const TensorView *t = file.find(name);
  EXPECT_NE(t, nullptr) << name;
  uint32_t value;
  std::memcpy(&value, t->data.data() + 4 * index, 4);
  return value;
}

TEST(CheckpointTest, GptqWordsArePackedAlongKLowBitsFirst) {
  SafetensorsFile file = writeAndOpen(handMade(), CheckpointFormat::Gptq, "gptq");
  const TensorView *qweight = file.find("layer.qweight");
  ASSERT_NE(qweight, nullptr);
  EXPECT_EQ(qweight->shape, (std::vector<int64_t>{1, 8})); // [K/8, N]
  // Column n packs k = 0..7 of row n: nibble k = (n + k) % 16.
  EXPECT_EQ(word(file, "layer.qweight", 0), 0x76543210u);
  EXPECT_EQ(word(file, "layer.qweight", 1), 0x87654321u);
  // qzeros [G, N/8] along N, storing zero - 1 = n.
  EXPECT_EQ(word(file, "layer.qzeros", 0), 0x76543210u);
  EXPECT_EQ(file.find("layer.g_idx")->shape, (std::vector<int64_t>{8}));
}

TEST(CheckpointTest, AwqWordsInterleaveColumns) {
  SafetensorsFile file = writeAndOpen(handMade(), CheckpointFormat::Awq, "awq");
  const TensorView *qweight = file.find("layer.qweight");
  ASSERT_NE(qweight, nullptr);
  EXPECT_EQ(qweight->shape, (std::vector<int64_t>{8, 1})); // [K, N/8]
  // Row k = 0: nibble i holds output column order[i] = 0,2,4,6,1,3,5,7.
  EXPECT_EQ(word(file, "layer.qweight", 0), 0x75316420u);
  // Zeros n + 1 in the same order, no offset.
  EXPECT_EQ(word(file, "layer.qzeros", 0), 0x86427531u);
}

TEST(CheckpointTest, EveryFormatRoundTrips) {
  QuantizedLinear linear = handMade();
  std::vector<float> expected = dequantizeLinear(linear);
  EXPECT_EQ(expected[1 * 8 + 3], 0.5f * ((1 + 3) - 2));
  for (CheckpointFormat format :
       {CheckpointFormat::Gptq, CheckpointFormat::Awq, CheckpointFormat::Wq}) {
    SafetensorsFile file =
        writeAndOpen(linear, format, checkpointFormatName(format));
    llvm::Expected<CheckpointFormat> detected = detectFormat(file);
    ASSERT_TRUE(bool(detected));
    EXPECT_EQ(*detected, format);
    llvm::Expected<std::vector<QuantizedLinear>> read =
        readQuantizedLinears(file, format);
    ASSERT_TRUE(bool(read));
    ASSERT_EQ(read->size(), 1u);
    EXPECT_EQ(dequantizeLinear((*read)[0]), expected)
        << checkpointFormatName(format);
    EXPECT_EQ((*read)[0].matrix.packed, linear.matrix.packed);
  }
}

TEST(CheckpointTest, WqKeepsPermutationOutliersAndInputScales) {
  QuantizedLinear linear = handMade();
  linear.perm = {7, 6, 5, 4, 3, 2, 1, 0};
  linear.outlierChannels = {2};
  linear.outlierWeights = {1, 2, 3, 4, 5, 6, 7, 8};
  linear.inputScales = {1, 2, 1, 2, 1, 2, 1, 2};
  SafetensorsFile file = writeAndOpen(linear, CheckpointFormat::Wq, "wqfull");
  llvm::Expected<std::vector<QuantizedLinear>> read =
      readQuantizedLinears(file, CheckpointFormat::Wq);
  ASSERT_TRUE(bool(read));
  EXPECT_EQ((*read)[0].perm, linear.perm);
  EXPECT_EQ((*read)[0].outlierChannels, linear.outlierChannels);
  EXPECT_EQ(dequantizeLinear((*read)[0]), dequantizeLinear(linear));
}

TEST(CheckpointTest, GptqV1CannotStoreZeroPointZero) {
  QuantizedLinear linear = handMade();
  linear.matrix.zeros[3] = 0;
  SafetensorsWriter writer;
  llvm::Error error = addQuantizedLinear(writer, linear, CheckpointFormat::Gptq);
  ASSERT_TRUE(bool(error));
  EXPECT_NE(llvm::toString(std::move(error)).find("a zero point of 0"),
            std::string::npos);
}

/// handMade() with group offsets: w = 0.5 * (q - zero) + offset[r], offsets
/// in the scale type (exact f16 / bf16 values).
QuantizedLinear withOffsets(bool zeroPoints, ScaleType type) {
  QuantizedLinear linear = handMade();
  linear.scheme.zeroPoints = zeroPoints;
  linear.scheme.offsets = true;
  linear.scheme.scaleType = type;
  if (!zeroPoints)
    linear.matrix.zeros.clear();
  linear.matrix.offsets.resize(8);
  for (int64_t r = 0; r < 8; ++r)
    linear.matrix.offsets[r] = -0.375f * static_cast<float>(r) + 0.0625f;
  return linear;
}

TEST(CheckpointTest, WqRoundTripsGroupOffsets) {
  // Q4_1's form (no zero points, f16) and tinygemm's (zero points, bf16).
  for (bool zeroPoints : {false, true}) {
    QuantizedLinear linear =
        withOffsets(zeroPoints, zeroPoints ? ScaleType::BF16 : ScaleType::F16);
    std::vector<float> expected = dequantizeLinear(linear);
    EXPECT_EQ(expected[1 * 8 + 3],
              0.5f * ((1 + 3) - (zeroPoints ? 2 : 0)) - 0.375f + 0.0625f);
    SafetensorsFile file =
        writeAndOpen(linear, CheckpointFormat::Wq, "wqoffsets");
    const TensorView *offsets = file.find("layer.wq.offsets");
    ASSERT_NE(offsets, nullptr);
    EXPECT_EQ(offsets->dtype, zeroPoints ? DType::BF16 : DType::F16);
    EXPECT_EQ(offsets->shape, (std::vector<int64_t>{8, 1}));
    llvm::Expected<std::vector<QuantizedLinear>> read =
        readQuantizedLinears(file, CheckpointFormat::Wq);
    ASSERT_TRUE(bool(read)) << llvm::toString(read.takeError());
    const QuantizedLinear &back = (*read)[0];
    EXPECT_TRUE(back.scheme.offsets);
    EXPECT_EQ(back.scheme.zeroPoints, zeroPoints);
    EXPECT_EQ(back.matrix.offsets, linear.matrix.offsets);
    EXPECT_EQ(back.matrix.packed, linear.matrix.packed);
    EXPECT_EQ(dequantizeLinear(back), expected);
  }
}

TEST(CheckpointTest, GptqAndAwqCannotRepresentOffsets) {
  QuantizedLinear linear = withOffsets(true, ScaleType::F16);
  for (CheckpointFormat format : {CheckpointFormat::Gptq, CheckpointFormat::Awq}) {
    SafetensorsWriter writer;
    llvm::Error error = addQuantizedLinear(writer, linear, format);
    ASSERT_TRUE(bool(error)) << checkpointFormatName(format);
    std::string message = llvm::toString(std::move(error));
    EXPECT_NE(message.find("weight 'layer.weight'"), std::string::npos)
        << message;
    EXPECT_NE(message.find("group offsets"), std::string::npos) << message;
  }
}

TEST(CheckpointTest, WqOffsetsMustMatchTheScheme) {
  // An offsets tensor the scheme does not declare, and one in another dtype
  // than the scales, are errors naming the tensor.
  {
    SafetensorsWriter writer;
    ASSERT_FALSE(bool(addQuantizedLinear(writer, handMade(), CheckpointFormat::Wq)));
    writer.addFloats("layer.wq.offsets", {8, 1}, std::vector<float>(8, 0.5f));
    std::string path = tempPath("wqstrayoffsets");
    ASSERT_FALSE(bool(writer.write(path)));
    llvm::Expected<SafetensorsFile> file = SafetensorsFile::open(path);
    ASSERT_TRUE(bool(file));
    llvm::sys::fs::remove(path);
    llvm::Expected<std::vector<QuantizedLinear>> read =
        readQuantizedLinears(*file, CheckpointFormat::Wq);
    ASSERT_FALSE(bool(read));
    EXPECT_NE(llvm::toString(read.takeError()).find("layer.wq.offsets"),
              std::string::npos);
  }
  {
    // The scheme says f16 offsets; the tensor holds f32.
    SafetensorsWriter writer;
    ASSERT_FALSE(bool(addQuantizedLinear(writer, handMade(), CheckpointFormat::Wq)));
    writer.setMetadata("wq.layer",
                       R"({"n":8,"k":8,"bits":4,"signed":false,"group_size":8,)"
                       R"("scale_type":"f16","zero_points":true,"offsets":true,)"
                       R"("flat_groups":false})");
    writer.addFloats("layer.wq.offsets", {8, 1}, std::vector<float>(8, 0.5f));
    std::string path = tempPath("wqf32offsets");
    ASSERT_FALSE(bool(writer.write(path)));
    llvm::Expected<SafetensorsFile> file = SafetensorsFile::open(path);
    ASSERT_TRUE(bool(file));
    llvm::sys::fs::remove(path);
    llvm::Expected<std::vector<QuantizedLinear>> read =
        readQuantizedLinears(*file, CheckpointFormat::Wq);
    ASSERT_FALSE(bool(read));
    std::string message = llvm::toString(read.takeError());
    EXPECT_NE(message.find("tensor 'layer.wq.offsets' has dtype"),
              std::string::npos)
        << message;
  }
}

} // namespace
