// seamprog: runs from a file whose text segment ends in the page where its
// data segment starts (linked with user/seam/seam.ld). Checks that the
// code and the data sharing that page both work: a call into it, the data
// word's file value, a store to it, and that the store stays private to
// this process (a second run sees the file's value again).
// Exit 0 on success; otherwise prints why and exits 1.
#include "user.h"

#define SEAM_VALUE 0x5ea3c0de12345678ULL

__attribute__((section(".seamcode"), noinline)) uint64
seam_fn(uint64 x)
{
  return x * 3 + 1;
}

__attribute__((section(".seamdata"))) volatile uint64 seam_data = SEAM_VALUE;

int
main(void)
{
  uint64 fpage = PGROUNDDOWN((uint64)seam_fn), dpage = PGROUNDDOWN((uint64)&seam_data);
  if (fpage != dpage) {
    printf("seamprog: not linked with a shared page (%p, %p)\n", seam_fn, &seam_data);
    return 1;
  }
  if (seam_fn(4) != 13) {
    printf("seamprog: call into the shared page failed\n");
    return 1;
  }
  if (seam_data != SEAM_VALUE) {
    printf("seamprog: data in the shared page is %p\n", (void *)seam_data);
    return 1;
  }
  seam_data = 7;
  if (seam_data != 7 || seam_fn(5) != 16) {
    printf("seamprog: store to the shared page lost, or code changed\n");
    return 1;
  }
  printf("seamprog: ok\n");
  return 0;
}
