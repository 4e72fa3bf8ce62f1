# Runs embedkit-infer once for a CTest test and checks its exit status and its output, line by
# line (JSON Lines: output line N answers input line N, so each line is checked on its own).
#
#   cmake -DPROGRAM=... -DARGS="a;b" [-DSTDIN=FILE] -DEXPECT_RC=N [-DEXPECT="re1;re2;..."]
#         [-DTHEN="checker;args"] -P check_run.cmake
#
# EXPECT holds one regular expression per output line, matched against the whole line ("<blank>"
# for an empty line); the output must have exactly that many lines. THEN is a command run
# afterwards (a checker reading what --output wrote) that must exit 0.
cmake_minimum_required(VERSION 3.21)

set(_input)
if(STDIN)
  set(_input INPUT_FILE ${STDIN})
endif()
execute_process(COMMAND ${PROGRAM} ${ARGS} ${_input}
                RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(NOT _rc STREQUAL "${EXPECT_RC}")
  message(FATAL_ERROR "exit status ${_rc}, expected ${EXPECT_RC}\nstdout:\n${_out}\nstderr:\n${_err}")
endif()
if(THEN)
  execute_process(COMMAND ${THEN} RESULT_VARIABLE _then_rc OUTPUT_VARIABLE _then_out
                  ERROR_VARIABLE _then_err)
  if(NOT _then_rc EQUAL 0)
    message(FATAL_ERROR "${THEN} failed (${_then_rc}):\n${_then_out}${_then_err}")
  endif()
  message(STATUS "${_then_out}")
endif()
if(NOT DEFINED EXPECT)
  return()
endif()
if(NOT _out MATCHES "\n$")
  message(FATAL_ERROR "the output does not end in a line end:\n${_out}")
endif()
# Walked line by line with string(FIND): the output may hold '[' and ']' (error messages
# quote ranges such as "[0, 30000)"), which would stop a CMake list from splitting at ';'.
list(LENGTH EXPECT _want)
set(_n 0)
while(NOT _out STREQUAL "")
  string(FIND "${_out}" "\n" _end)
  string(SUBSTRING "${_out}" 0 ${_end} _line)
  math(EXPR _next "${_end} + 1")
  string(SUBSTRING "${_out}" ${_next} -1 _out)
  math(EXPR _n "${_n} + 1")
  if(_n GREATER _want)
    message(FATAL_ERROR "more than the ${_want} expected output lines; line ${_n}:\n${_line}")
  endif()
  math(EXPR _i "${_n} - 1")
  list(GET EXPECT ${_i} _re)
  if(_re STREQUAL "<blank>")
    set(_re "")
  endif()
  if(NOT _line MATCHES "^${_re}$")
    message(FATAL_ERROR "output line ${_n} does not match ^${_re}$:\n${_line}")
  endif()
endwhile()
if(NOT _n EQUAL _want)
  message(FATAL_ERROR "${_n} output lines, expected ${_want}")
endif()
message(STATUS "ok: exit status ${_rc}, ${_n} lines as expected")
