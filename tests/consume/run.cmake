# Drives one consumption test: builds the consumer project in CONSUMER_DIR
# against the embedkit checkout in EMBEDKIT_SOURCE_DIR, then runs the program.
#
#   cmake -DMODE=add_subdirectory|find_package|fetchcontent
#         -DEMBEDKIT_SOURCE_DIR=... -DCONSUMER_DIR=... -DWORK_DIR=...
#         -DGENERATOR=... [-DMAKE_PROGRAM=...] -DCXX_COMPILER=... [-DBUILD_TYPE=...]
#         -P run.cmake
cmake_minimum_required(VERSION 3.21)

foreach(_var IN ITEMS MODE EMBEDKIT_SOURCE_DIR CONSUMER_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "run.cmake: ${_var} is not set")
  endif()
endforeach()
if(NOT BUILD_TYPE)
  set(BUILD_TYPE Release)
endif()

function(run_step description)
  message(STATUS "[consume.${MODE}] ${description}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _result COMMAND_ECHO STDOUT)
  if(NOT _result EQUAL 0)
    message(FATAL_ERROR "[consume.${MODE}] ${description} failed: ${_result}")
  endif()
endfunction()

# Settings every configure step shares, so the consumer is built the way the
# outer project is.
set(_configure_args
  -G ${GENERATOR}
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
  -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
  -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
if(MAKE_PROGRAM)
  list(APPEND _configure_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

if(MODE STREQUAL "find_package")
  set(_prefix ${WORK_DIR}/prefix)
  run_step("configure embedkit"
    ${CMAKE_COMMAND} -S ${EMBEDKIT_SOURCE_DIR} -B ${WORK_DIR}/embedkit-build ${_configure_args}
      -DEMBEDKIT_BUILD_TESTS=OFF -DEMBEDKIT_BUILD_EXAMPLES=OFF -DEMBEDKIT_BUILD_BENCH=OFF)
  run_step("build embedkit"
    ${CMAKE_COMMAND} --build ${WORK_DIR}/embedkit-build --config ${BUILD_TYPE})
  run_step("install embedkit"
    ${CMAKE_COMMAND} --install ${WORK_DIR}/embedkit-build --prefix ${_prefix} --config ${BUILD_TYPE})
  set(_consumer_args -DCMAKE_PREFIX_PATH=${_prefix} -DEXPECTED_PREFIX=${_prefix})
elseif(MODE MATCHES "^(add_subdirectory|fetchcontent)$")
  set(_consumer_args -DEMBEDKIT_SOURCE_DIR=${EMBEDKIT_SOURCE_DIR})
else()
  message(FATAL_ERROR "run.cmake: unknown MODE '${MODE}'")
endif()

set(_build ${WORK_DIR}/consumer-build)
run_step("configure the consumer"
  ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${_build} ${_configure_args} ${_consumer_args})
run_step("build the consumer"
  ${CMAKE_COMMAND} --build ${_build} --config ${BUILD_TYPE})

set(_program ${_build}/bin/embedkit_consumer)
if(CMAKE_HOST_WIN32)
  string(APPEND _program .exe)
endif()
if(NOT EXISTS ${_program})
  message(FATAL_ERROR "[consume.${MODE}] ${_program} was not built")
endif()
run_step("run the consumer" ${_program})
message(STATUS "[consume.${MODE}] passed")
