// Which backend the addon's functions use ('cuda' only when compiled with CUDA and a device was found).
#pragma once
#include <string>

namespace selfj {

struct Backend {
  bool cudaCompiled = false;
  bool cudaDevice = false;  // selfj_cuda_probe() found a device
  std::string deviceName;
  bool useCuda = false;
};
Backend& backend();

}  // namespace selfj
