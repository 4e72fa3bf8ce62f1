# embedkit-serve over loopback (tests/serve/serve_driver.py, Debian's python3, standard library
# only): every route against the library's own numbers (embedkit_encode, embedkit_object2vec),
# every error class, 8 concurrent clients, SIGTERM with requests in flight. Included from
# examples/CMakeLists.txt, where the embedkit-serve target is defined.
find_program(EMBEDKIT_SERVE_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(EMBEDKIT_SERVE_PYTHON3 NAMES python3)
if(EMBEDKIT_SERVE_PYTHON3 AND TARGET embedkit_encode AND TARGET embedkit_object2vec)
  add_test(NAME serve.loopback
    COMMAND ${EMBEDKIT_SERVE_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/serve_driver.py
            --serve $<TARGET_FILE:embedkit-serve>
            --encode $<TARGET_FILE:embedkit_encode>
            --object2vec $<TARGET_FILE:embedkit_object2vec>
            --model ${PROJECT_SOURCE_DIR}/tests/data/sentence/mean_normalize
            --texts ${PROJECT_SOURCE_DIR}/tests/data/sentence/texts.json)
  # Servers on port 0 (free ports), so it may run beside other tests; bounded in time.
  set_tests_properties(serve.loopback PROPERTIES TIMEOUT 600)
else()
  message(STATUS "embedkit: python3 not found, serve.loopback is not run")
endif()
