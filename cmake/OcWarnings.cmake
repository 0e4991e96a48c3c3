# oc::warnings: the warning set (union of zstd, curl, datamash) and, with
# OC_SANITIZE, ASan+UBSan.  Link it PRIVATE so flags never leak to consumers.
add_library(oc_warnings INTERFACE)
add_library(oc::warnings ALIAS oc_warnings)
target_compile_options(oc_warnings INTERFACE
  $<$<C_COMPILER_ID:GNU,Clang>:
    -Wall -Wextra -Wpedantic
    -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition
    -Wpointer-arith -Wcast-qual -Wwrite-strings -Wundef -Wvla
    -Wformat=2 -Wconversion -Wno-sign-conversion
    -Wimplicit-fallthrough
    $<$<BOOL:${OC_WERROR}>:-Werror>>)
if(OC_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
