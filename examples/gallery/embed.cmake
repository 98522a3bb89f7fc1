# cmake -DIN=index.html -DOUT=page_html.c -P embed.cmake
# Writes the file as a C array (gal_page_html, gal_page_html_len: page.h).
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# 16 bytes a line keeps the generated file readable in a diff or an editor
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n  " bytes "${bytes}")
file(WRITE "${OUT}.tmp"
  "/* Generated from index.html by embed.cmake: do not edit. */\n"
  "#include \"page.h\"\n\n"
  "const unsigned char gal_page_html[] = {\n  ${bytes}0x00};\n"
  "const size_t gal_page_html_len = ${len};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
