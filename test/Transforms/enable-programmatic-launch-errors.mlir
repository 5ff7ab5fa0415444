// RUN: wq-opt %s --split-input-file --verify-diagnostics --wq-enable-programmatic-launch

// griddepcontrol needs sm_90: a module already targeting sm_80 is an error.
module attributes {gpu.container_module} {
  // expected-error @+1 {{wq-enable-programmatic-launch: the module targets sm_80; griddepcontrol needs sm_90 or later}}
  gpu.module @old [#nvvm.target<chip = "sm_80">] {
    gpu.func @k() kernel {
      gpu.return
    }
  }
}

// -----

// sm_90a is fine (no diagnostic).
module attributes {gpu.container_module} {
  gpu.module @hopper [#nvvm.target<chip = "sm_90a">] {
    gpu.func @k() kernel {
      gpu.return
    }
  }
}
