# Checks shared by the consumer projects; included after embedkit_consumer is defined.

# A fixed output folder, whatever the generator, so run.cmake knows where to look.
set_target_properties(embedkit_consumer PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/bin$<0:>")

# embedkit is not the top-level project here, so none of its tests, examples or
# benchmarks may be part of this build.
foreach(_option IN ITEMS EMBEDKIT_BUILD_TESTS EMBEDKIT_BUILD_EXAMPLES EMBEDKIT_BUILD_BENCH
                         EMBEDKIT_WARNINGS_AS_ERRORS)
  if(${_option})
    message(FATAL_ERROR "${_option} is ON in a project that only consumes embedkit")
  endif()
endforeach()
foreach(_target IN ITEMS embedkit_tests embedkit_header_check embedkit_demo)
  if(TARGET ${_target})
    message(FATAL_ERROR "target ${_target} exists in a project that only consumes embedkit")
  endif()
endforeach()
if(TARGET embedkit)
  # Source-tree builds (add_subdirectory, FetchContent): embedkit must not have
  # added any of its own subdirectories.
  get_target_property(_embedkit_dir embedkit SOURCE_DIR)
  get_property(_subdirs DIRECTORY ${_embedkit_dir} PROPERTY SUBDIRECTORIES)
  if(_subdirs)
    message(FATAL_ERROR "embedkit added subdirectories as a dependency: ${_subdirs}")
  endif()
endif()

# The library target must not push warning or sanitizer flags onto its users.
foreach(_property IN ITEMS INTERFACE_COMPILE_OPTIONS INTERFACE_LINK_OPTIONS)
  get_target_property(_value embedkit::embedkit ${_property})
  if(_value)
    message(FATAL_ERROR "embedkit::embedkit sets ${_property} for its users: ${_value}")
  endif()
endforeach()
