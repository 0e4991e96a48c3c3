# run_case.cmake - runs one golden end-to-end case of the ocstat CLI.
#
#   cmake -DCLI=/path/to/ocstat -DCASE_DIR=<case folder> -DWORK_DIR=<scratch folder>
#         [-DUPDATE=ON] -P run_case.cmake
#
# A case folder holds:
#   args             the command-line arguments, one per line, passed verbatim
#                    (no shell, no CMake list splitting: ';', '[', '\' and '$'
#                    are literal; an empty line is an empty argument; the
#                    newline at the end of the last line is not an argument)
#   stdin            optional: fed as standard input (else /dev/null)
#   expected.stdout  expected standard output, byte for byte (missing: empty)
#   expected.stderr  expected standard error, byte for byte (missing: empty)
#   expected.exit    expected exit status, a number (missing: 0)
#   expected.files   optional checks of the files left in WORK_DIR, one a line:
#                      PATH        PATH must exist
#                      PATH MODE   PATH must exist with that octal mode (600)
#                      !PATH       PATH must not exist (PATH may hold * ? [..]
#                                  wildcards, e.g. !out.csv* for temp files)
#                    blank lines and lines starting with # are ignored
#   expected.content/PATH  optional: WORK_DIR/PATH must equal this file byte
#                    for byte (e.g. a rejects file); never written by UPDATE
#   anything else    inputs, schemas, code lists: copied into WORK_DIR, which
#                    is the CLI's working directory, so paths in args are
#                    relative to the case folder
#
# WORK_DIR is deleted and recreated.  The actual stdout/stderr are kept in
# WORK_DIR/.golden/ for inspection.  With -DUPDATE=ON the expectation files
# (expected.stdout, expected.stderr, expected.exit) are rewritten in CASE_DIR
# from the actual run; expected.files is never written.  Review updates by
# hand before committing them.

cmake_minimum_required(VERSION 3.21)   # cmake_language(EVAL), file(COPY_FILE)

foreach(_v CLI CASE_DIR WORK_DIR)
  if(NOT DEFINED ${_v} OR "${${_v}}" STREQUAL "")
    message(FATAL_ERROR "run_case.cmake: -D${_v}=... is required")
  endif()
endforeach()
get_filename_component(CASE_DIR "${CASE_DIR}" ABSOLUTE)
get_filename_component(WORK_DIR "${WORK_DIR}" ABSOLUTE)
get_filename_component(CLI "${CLI}" ABSOLUTE)
get_filename_component(_case_name "${CASE_DIR}" NAME)
if(NOT IS_DIRECTORY "${CASE_DIR}")
  message(FATAL_ERROR "case ${_case_name}: no such case folder: ${CASE_DIR}")
endif()
if(NOT EXISTS "${CASE_DIR}/args")
  message(FATAL_ERROR "case ${_case_name}: ${CASE_DIR}/args is missing")
endif()
if(NOT EXISTS "${CLI}")
  message(FATAL_ERROR "case ${_case_name}: no such program: ${CLI}")
endif()
if(WORK_DIR STREQUAL CASE_DIR OR WORK_DIR STREQUAL "/")
  message(FATAL_ERROR "case ${_case_name}: WORK_DIR must be a scratch folder, not ${WORK_DIR}")
endif()

# ---- fresh work folder with a copy of the case ----
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
file(COPY "${CASE_DIR}/" DESTINATION "${WORK_DIR}"
     PATTERN "expected.*" EXCLUDE)
set(_g "${WORK_DIR}/.golden")
file(MAKE_DIRECTORY "${_g}")
file(WRITE "${_g}/empty" "")

# Wraps text in a CMake bracket argument that cannot be closed by the text.
function(_bracket out text)
  set(_eq "=")
  while(1)
    string(FIND "${text}" "]${_eq}]" _pos)
    if(_pos EQUAL -1)
      break()
    endif()
    string(APPEND _eq "=")
  endwhile()
  set(${out} "[${_eq}[${text}]${_eq}]" PARENT_SCOPE)
endfunction()

# ---- arguments: one per line, verbatim ----
file(READ "${CASE_DIR}/args" _args_text)
set(_cmd_args "")
set(_shown "")
while(NOT _args_text STREQUAL "")
  string(FIND "${_args_text}" "\n" _nl)
  if(_nl EQUAL -1)
    set(_arg "${_args_text}")
    set(_args_text "")
  else()
    string(SUBSTRING "${_args_text}" 0 ${_nl} _arg)
    math(EXPR _next "${_nl} + 1")
    string(SUBSTRING "${_args_text}" ${_next} -1 _args_text)
  endif()
  _bracket(_b "${_arg}")
  string(APPEND _cmd_args " ${_b}")
  string(APPEND _shown " '${_arg}'")
endwhile()

if(EXISTS "${CASE_DIR}/stdin")
  set(_stdin "${WORK_DIR}/stdin")
else()
  set(_stdin "/dev/null")
endif()

_bracket(_b_cli "${CLI}")
_bracket(_b_wd "${WORK_DIR}")
_bracket(_b_in "${_stdin}")
_bracket(_b_out "${_g}/stdout")
_bracket(_b_err "${_g}/stderr")
cmake_language(EVAL CODE "
execute_process(COMMAND ${_b_cli}${_cmd_args}
                WORKING_DIRECTORY ${_b_wd}
                INPUT_FILE ${_b_in}
                OUTPUT_FILE ${_b_out}
                ERROR_FILE ${_b_err}
                RESULT_VARIABLE _rc
                TIMEOUT 300)
")

# ---- expected.files checks (hand-written; also checked with UPDATE) ----
set(_file_problems "")
if(EXISTS "${CASE_DIR}/expected.files")
  file(STRINGS "${CASE_DIR}/expected.files" _lines)
  foreach(_line IN LISTS _lines)
    string(STRIP "${_line}" _line)
    if(_line STREQUAL "" OR _line MATCHES "^#")
      continue()
    endif()
    if(_line MATCHES "^!(.+)$")
      set(_pat "${CMAKE_MATCH_1}")
      if(_pat MATCHES "[*?[]")
        file(GLOB _hits RELATIVE "${WORK_DIR}" "${WORK_DIR}/${_pat}")
      elseif(EXISTS "${WORK_DIR}/${_pat}" OR IS_SYMLINK "${WORK_DIR}/${_pat}")
        set(_hits "${_pat}")
      else()
        set(_hits "")
      endif()
      if(_hits)
        string(APPEND _file_problems "  ${_pat}: must not exist, but found: ${_hits}\n")
      endif()
    elseif(_line MATCHES "^([^ \t]+)([ \t]+([0-7]+))?$")
      set(_path "${CMAKE_MATCH_1}")
      set(_mode "${CMAKE_MATCH_3}")
      if(NOT EXISTS "${WORK_DIR}/${_path}")
        string(APPEND _file_problems "  ${_path}: must exist, but was not created\n")
      elseif(NOT _mode STREQUAL "")
        execute_process(COMMAND stat -c %a "${WORK_DIR}/${_path}"
                        OUTPUT_VARIABLE _actual_mode OUTPUT_STRIP_TRAILING_WHITESPACE
                        RESULT_VARIABLE _src)
        # compare as numbers so that 600 and 0600 agree
        string(REGEX REPLACE "^0+([0-7])" "\\1" _want "${_mode}")
        if(NOT _src EQUAL 0)
          string(APPEND _file_problems "  ${_path}: cannot stat it\n")
        elseif(NOT _actual_mode STREQUAL _want)
          string(APPEND _file_problems "  ${_path}: mode ${_actual_mode}, expected ${_want}\n")
        endif()
      endif()
    else()
      message(FATAL_ERROR "case ${_case_name}: bad line in expected.files: '${_line}'")
    endif()
  endforeach()
endif()

# ---- expected.content/: files whose bytes are checked ----
if(IS_DIRECTORY "${CASE_DIR}/expected.content")
  file(GLOB_RECURSE _contents RELATIVE "${CASE_DIR}/expected.content" "${CASE_DIR}/expected.content/*")
  list(SORT _contents)
  foreach(_path IN LISTS _contents)
    if(NOT EXISTS "${WORK_DIR}/${_path}")
      string(APPEND _file_problems "  ${_path}: must exist (expected.content/${_path}), but was not created\n")
      continue()
    endif()
    execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files
                            "${CASE_DIR}/expected.content/${_path}" "${WORK_DIR}/${_path}"
                    RESULT_VARIABLE _same OUTPUT_QUIET ERROR_QUIET)
    if(NOT _same EQUAL 0)
      string(APPEND _file_problems "  ${_path}: content differs from expected.content/${_path}:\n")
      find_program(_diff diff)
      if(_diff)
        execute_process(COMMAND "${_diff}" -u --label expected --label actual
                                "${CASE_DIR}/expected.content/${_path}" "${WORK_DIR}/${_path}"
                        OUTPUT_VARIABLE _d ERROR_VARIABLE _d)
        string(APPEND _file_problems "${_d}")
      endif()
    endif()
  endforeach()
endif()

# ---- update mode ----
if(UPDATE)
  if(NOT _rc MATCHES "^[0-9]+$")
    message(FATAL_ERROR "case ${_case_name}: the program did not exit normally (${_rc}); nothing updated")
  endif()
  foreach(_s stdout stderr)
    file(SIZE "${_g}/${_s}" _size)
    if(_size GREATER 0)
      file(COPY_FILE "${_g}/${_s}" "${CASE_DIR}/expected.${_s}")
    else()
      file(REMOVE "${CASE_DIR}/expected.${_s}")
    endif()
  endforeach()
  if(_rc EQUAL 0)
    file(REMOVE "${CASE_DIR}/expected.exit")
  else()
    file(WRITE "${CASE_DIR}/expected.exit" "${_rc}\n")
  endif()
  message(STATUS "case ${_case_name}: expectations written (exit ${_rc}); review them by hand")
  if(NOT _file_problems STREQUAL "")
    message(FATAL_ERROR "case ${_case_name}: expected.files does not hold:\n${_file_problems}")
  endif()
  return()
endif()

# ---- compare ----
set(_report "")
find_program(_diff diff)

foreach(_s stdout stderr)
  if(EXISTS "${CASE_DIR}/expected.${_s}")
    set(_exp "${CASE_DIR}/expected.${_s}")
  else()
    set(_exp "${_g}/empty")
  endif()
  execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${_exp}" "${_g}/${_s}"
                  RESULT_VARIABLE _same OUTPUT_QUIET ERROR_QUIET)
  if(NOT _same EQUAL 0)
    string(APPEND _report "---- ${_s} differs (- expected, + actual):\n")
    if(_diff)
      execute_process(COMMAND "${_diff}" -u --label expected.${_s} --label actual.${_s}
                              "${_exp}" "${_g}/${_s}"
                      OUTPUT_VARIABLE _d ERROR_VARIABLE _d)
      string(APPEND _report "${_d}")
      # diff shows neither a lone CR nor other byte-level differences clearly
      file(SIZE "${_exp}" _es)
      file(SIZE "${_g}/${_s}" _as)
      string(APPEND _report "(expected ${_es} bytes, actual ${_as} bytes)\n")
    else()
      file(READ "${_exp}" _e)
      file(READ "${_g}/${_s}" _a)
      string(APPEND _report "expected:\n${_e}\n[end]\nactual:\n${_a}\n[end]\n")
    endif()
  endif()
endforeach()

set(_want_rc 0)
if(EXISTS "${CASE_DIR}/expected.exit")
  file(READ "${CASE_DIR}/expected.exit" _want_rc)
  string(STRIP "${_want_rc}" _want_rc)
endif()
if(NOT _rc STREQUAL _want_rc)
  string(APPEND _report "---- exit status: expected ${_want_rc}, actual ${_rc}\n")
endif()

if(NOT _file_problems STREQUAL "")
  string(APPEND _report "---- files in the work folder:\n${_file_problems}")
endif()

if(NOT _report STREQUAL "")
  # NOTICE prints verbatim; FATAL_ERROR would re-wrap the diff
  message(NOTICE
    "case ${_case_name} FAILED\n"
    "command (in ${WORK_DIR}):\n  ${CLI}${_shown}\n"
    "${_report}"
    "actual output kept in ${_g}/; to accept it (after review), add -DUPDATE=ON")
  message(FATAL_ERROR "case ${_case_name} failed")
endif()
message(STATUS "case ${_case_name}: ok")
