# Pretrained-table I/O checked against the real tools at test time (included from
# tests/CMakeLists.txt). Each test exits 77, reported by CTest as skipped, when its tool is not
# installed: the fasttext CLI, or gensim for /usr/bin/python3 (scripts/deps.sh installs both
# for 'test').
add_executable(embedkit_io_check ${CMAKE_CURRENT_SOURCE_DIR}/io/tools/io_check.cpp)
target_link_libraries(embedkit_io_check PRIVATE embedkit::embedkit embedkit_warnings)

set(_embedkit_io_data ${CMAKE_CURRENT_SOURCE_DIR}/data)

# fastText: train models with the CLI, compare .bin/.vec reading and word vectors of known and
# unseen words with `fasttext print-word-vectors`.
add_test(NAME io.fasttext_cli
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/io/fasttext_cli.sh
          $<TARGET_FILE:embedkit_io_check>
          ${_embedkit_io_data}/fasttext/corpus.txt
          ${_embedkit_io_data}/fasttext/queries.txt
          ${CMAKE_CURRENT_BINARY_DIR}/io/fasttext_cli)
set_tests_properties(io.fasttext_cli PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)

# word2vec: what save_word2vec writes, gensim reads back identically.
add_test(NAME io.gensim_readback
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/io/gensim_readback.sh
          $<TARGET_FILE:embedkit_io_check>
          ${CMAKE_CURRENT_BINARY_DIR}/io/gensim_readback
          ${_embedkit_io_data}/word2vec/vectors.txt
          ${_embedkit_io_data}/word2vec/small.gensim.bin
          ${_embedkit_io_data}/word2vec/small.w2vc.bin)
set_tests_properties(io.gensim_readback PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)

# The embedkit_vectors example CLI on the committed fixtures.
if(EMBEDKIT_BUILD_EXAMPLES)
  set(_embedkit_vectors_file ${_embedkit_io_data}/word2vec/vectors.txt)
  add_test(NAME examples.vectors.info COMMAND embedkit_vectors info ${_embedkit_vectors_file})
  set_tests_properties(examples.vectors.info PROPERTIES
    PASS_REGULAR_EXPRESSION "format +word2vec.*words +2631.*dim +200")
  add_test(NAME examples.vectors.neighbors
    COMMAND embedkit_vectors neighbors ${_embedkit_vectors_file} the 3)
  set_tests_properties(examples.vectors.neighbors PROPERTIES
    PASS_REGULAR_EXPRESSION "^following +0\\.99617[0-9]*\nits +0\\.99609[0-9]*\ncopies ")
  add_test(NAME examples.vectors.analogy
    COMMAND embedkit_vectors analogy ${_embedkit_vectors_file} man king woman 2)
  set_tests_properties(examples.vectors.analogy PROPERTIES
    PASS_REGULAR_EXPRESSION "^confession +0\\.99783")
  add_test(NAME examples.vectors.fasttext_unseen
    COMMAND embedkit_vectors neighbors ${_embedkit_io_data}/fasttext/tiny.bin kitchens 1)
  set_tests_properties(examples.vectors.fasttext_unseen PROPERTIES
    PASS_REGULAR_EXPRESSION "^[^ ]+ +0\\.[0-9]+\n$")
  add_test(NAME examples.vectors.convert
    COMMAND embedkit_vectors convert ${_embedkit_io_data}/word2vec/small.gensim.txt
            ${CMAKE_CURRENT_BINARY_DIR}/io/small.converted.bin --to word2vec-bin)
  set_tests_properties(examples.vectors.convert PROPERTIES
    PASS_REGULAR_EXPRESSION "wrote 40 x 7 to ")
  add_test(NAME examples.vectors.bad_file
    COMMAND embedkit_vectors neighbors ${_embedkit_io_data}/fasttext/sup.ftz word)
  set_tests_properties(examples.vectors.bad_file PROPERTIES WILL_FAIL TRUE)
endif()
