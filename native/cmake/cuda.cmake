# CUDA kernels of @selfj/native as a static library `selfj_cuda`.
# Included by native/CMakeLists.txt when CUDA is enabled; the consumer links `selfj_cuda` and defines SELFJ_WITH_CUDA.
# Architectures: -DSELFJ_CUDA_ARCHITECTURES="80;90" (default; see below). Each entry embeds SASS and PTX, so newer
# GPUs can JIT the highest PTX. cudart is linked statically so the .node has no runtime
# dependency on libcudart.so; with no driver the probe fails quietly and the binding falls back to the CPU.
# No cuBLAS: the matrix kernel is our own SGEMM.

# Architectures: SELFJ_CUDA_ARCHITECTURES if given; else a CMAKE_CUDA_ARCHITECTURES the user set before CUDA was
# enabled; else 80;90. (If the parent project already enabled CUDA, CMake filled CMAKE_CUDA_ARCHITECTURES with the
# compiler's default, which we do not want: use SELFJ_CUDA_ARCHITECTURES there.)
get_property(_selfj_langs GLOBAL PROPERTY ENABLED_LANGUAGES)
if(SELFJ_CUDA_ARCHITECTURES)
  set(_selfj_cuda_archs "${SELFJ_CUDA_ARCHITECTURES}")
elseif(CMAKE_CUDA_ARCHITECTURES AND NOT "CUDA" IN_LIST _selfj_langs)
  set(_selfj_cuda_archs "${CMAKE_CUDA_ARCHITECTURES}")
else()
  set(_selfj_cuda_archs "80;90")
endif()
if(NOT "CUDA" IN_LIST _selfj_langs)
  set(CMAKE_CUDA_ARCHITECTURES "${_selfj_cuda_archs}")
  enable_language(CUDA)
endif()
message(STATUS "selfj_cuda: CUDA architectures ${_selfj_cuda_archs}")

set(SELFJ_CUDA_DIR "${CMAKE_CURRENT_LIST_DIR}/../src/cuda")
file(GLOB SELFJ_CUDA_SOURCES CONFIGURE_DEPENDS "${SELFJ_CUDA_DIR}/*.cu")

add_library(selfj_cuda STATIC ${SELFJ_CUDA_SOURCES})
target_include_directories(selfj_cuda PUBLIC "${SELFJ_CUDA_DIR}")
set_target_properties(selfj_cuda PROPERTIES
  CUDA_ARCHITECTURES "${_selfj_cuda_archs}"
  POSITION_INDEPENDENT_CODE ON
  CUDA_RUNTIME_LIBRARY Static
  CUDA_SEPARABLE_COMPILATION OFF
  CUDA_STANDARD 17
  CUDA_STANDARD_REQUIRED ON
  CXX_STANDARD 17
  CXX_STANDARD_REQUIRED ON)
# no fast-math: softmax/log-sum-exp and cosine must match the CPU reference closely
target_compile_options(selfj_cuda PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-O3 -Xcompiler=-fvisibility=hidden>)
target_compile_definitions(selfj_cuda PUBLIC SELFJ_WITH_CUDA)
