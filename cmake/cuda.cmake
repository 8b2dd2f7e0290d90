# Resolves EMBER_CUDA (AUTO|ON|OFF) into EMBER_WITH_CUDA; when on, enables the CUDA language and
# defines the imported target ember::cublas. The CUDA kernels live in csrc/cuda and are built into
# a second extension, ember._C_cuda, so the CPU extension never depends on CUDA libraries.
#
#   OFF   CPU only.
#   AUTO  CUDA when both a CUDA compiler and cuBLAS are found, else CPU only with a warning.
#         cuBLAS is looked for before the (slow) compiler check, so a machine with nvcc but no
#         cuBLAS (the CI machines) falls back to the CPU build at no cost.
#   ON    CUDA or a configure error saying what is missing.
#
# cuBLAS is searched in EMBER_CUBLAS_ROOT (cache variable or environment), the CUDA toolkit next
# to nvcc, CUDA_PATH / CUDA_HOME, /usr/local/cuda, and the `nvidia` wheels of the Python that
# builds (pip install nvidia-cublas: site-packages/nvidia/cu13 or nvidia/cublas).
set(EMBER_WITH_CUDA OFF)
string(TOUPPER "${EMBER_CUDA}" _ember_cuda)
if(NOT _ember_cuda MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "EMBER_CUDA must be AUTO, ON or OFF, got '${EMBER_CUDA}'")
endif()

# AUTO falls back with a warning, ON stops with an error.
macro(_ember_cuda_missing what)
  if(_ember_cuda STREQUAL "ON")
    message(FATAL_ERROR "EMBER_CUDA=ON but ${what}")
  endif()
  message(WARNING "ember: building without CUDA (EMBER_CUDA=AUTO): ${what}")
endmacro()

if(NOT _ember_cuda STREQUAL "OFF")
  set(EMBER_CUBLAS_ROOT "$ENV{EMBER_CUBLAS_ROOT}" CACHE PATH "Directory holding include/cublas_v2.h and lib/libcublas.so")
  set(_ember_roots "${EMBER_CUBLAS_ROOT}")
  # The toolkit of the nvcc that will be used (the real one behind wrapper scripts or symlinks).
  set(_ember_nvcc "${CMAKE_CUDA_COMPILER}")
  if(NOT _ember_nvcc AND DEFINED ENV{CUDACXX})
    set(_ember_nvcc "$ENV{CUDACXX}")
  endif()
  if(NOT _ember_nvcc)
    find_program(_ember_nvcc_found nvcc PATHS ENV CUDA_PATH ENV CUDA_HOME /usr/local/cuda PATH_SUFFIXES bin)
    set(_ember_nvcc "${_ember_nvcc_found}")
  endif()
  if(_ember_nvcc)
    get_filename_component(_ember_nvcc_dir "${_ember_nvcc}" REALPATH)
    get_filename_component(_ember_nvcc_dir "${_ember_nvcc_dir}" DIRECTORY)
    get_filename_component(_ember_nvcc_root "${_ember_nvcc_dir}" DIRECTORY)
    list(APPEND _ember_roots "${_ember_nvcc_root}")
  endif()
  list(APPEND _ember_roots "$ENV{CUDA_PATH}" "$ENV{CUDA_HOME}" /usr/local/cuda)
  execute_process(
    COMMAND "${Python_EXECUTABLE}" -c "import nvidia, sys; sys.stdout.write(';'.join(nvidia.__path__))"
    OUTPUT_VARIABLE _ember_nvidia_dirs RESULT_VARIABLE _ember_nvidia_rc ERROR_QUIET)
  if(_ember_nvidia_rc EQUAL 0)
    foreach(_dir IN LISTS _ember_nvidia_dirs)
      list(APPEND _ember_roots "${_dir}/cu13" "${_dir}/cu12" "${_dir}/cublas")
    endforeach()
  endif()
  list(REMOVE_ITEM _ember_roots "")
  find_path(EMBER_CUBLAS_INCLUDE_DIR cublas_v2.h HINTS ${_ember_roots}
            PATH_SUFFIXES include targets/x86_64-linux/include targets/sbsa-linux/include)
  # pip's wheels ship only the versioned name (libcublas.so.13).
  find_library(EMBER_CUBLAS_LIBRARY NAMES cublas libcublas.so.13 libcublas.so.12 HINTS ${_ember_roots}
               PATH_SUFFIXES lib lib64 targets/x86_64-linux/lib targets/sbsa-linux/lib)

  if(NOT EMBER_CUBLAS_INCLUDE_DIR OR NOT EMBER_CUBLAS_LIBRARY)
    _ember_cuda_missing("cuBLAS was not found (searched ${_ember_roots}); install it (e.g. `pip install nvidia-cublas`) or set EMBER_CUBLAS_ROOT")
  else()
    include(CheckLanguage)
    check_language(CUDA)
    if(NOT CMAKE_CUDA_COMPILER)
      _ember_cuda_missing("no CUDA compiler was found (set CUDACXX or put nvcc on PATH)")
    else()
      # Ampere (A100) and Hopper (H100/H200) machine code, plus Hopper PTX that newer GPUs JIT.
      if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
        set(CMAKE_CUDA_ARCHITECTURES "80-real;90")
      endif()
      enable_language(CUDA)
      set(CMAKE_CUDA_STANDARD 17)
      set(CMAKE_CUDA_STANDARD_REQUIRED ON)
      find_package(CUDAToolkit REQUIRED)
      add_library(ember::cublas SHARED IMPORTED)
      set_target_properties(ember::cublas PROPERTIES
                            IMPORTED_LOCATION "${EMBER_CUBLAS_LIBRARY}"
                            INTERFACE_INCLUDE_DIRECTORIES "${EMBER_CUBLAS_INCLUDE_DIR}")
      get_filename_component(EMBER_CUBLAS_LIBRARY_DIR "${EMBER_CUBLAS_LIBRARY}" DIRECTORY)
      set(EMBER_WITH_CUDA ON)
    endif()
  endif()
endif()
message(STATUS "ember: CUDA build ${EMBER_WITH_CUDA} (EMBER_CUDA=${EMBER_CUDA})")
