# Flag targets linked PRIVATE by first-party code only.
add_library(rastar_settings INTERFACE)
add_library(rastar_warnings INTERFACE)

target_compile_options(rastar_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual -Wcast-align)
if(RASTAR_WARNINGS_AS_ERRORS)
  target_compile_options(rastar_warnings INTERFACE -Werror)
endif()

target_compile_definitions(rastar_settings INTERFACE $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)
target_compile_options(rastar_settings INTERFACE -fstack-protector-strong)
target_link_options(rastar_settings INTERFACE -Wl,-z,relro,-z,now)

if(RASTAR_ENABLE_SANITIZERS)
  # Applied globally so every object, the tests included, is instrumented alike.
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
