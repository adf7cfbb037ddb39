// Tests of the private file rows of vm_fault (filefault.c) over the fake
// object of common/fakeobj.c: file bytes, the zero tail past filelen (the
// ELF bss case), a page straddling filelen, a private write, end of file.
#include "types.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "fakepmap.h"

#define FSTART P(100)

// Does the page at p hold fake file page pgoff's bytes [0, n), zeros after?
static int
file_bytes(const uint8 *p, uint64 pgoff, int n)
{
  for (int i = 0; i < PGSIZE; i++)
    if (p[i] != (i < n ? (pgoff * 7 + i) % 251 : 0))
      return 0;
  return 1;
}

void
test_filefault_private_rows(void)
{
  struct aspace *as = as_process();
  struct vmobj *o = fakeobj_new();
  uint64 counts[FK_NKINDS] = {0};
  const char *why;
  // A writable private mapping of file pages 2.. showing 1.5 pages, then 2 more pages.
  CHECK(aspace_map_obj(as, FSTART, FSTART + P(4), RW, RK_DATA, 0, o, P(2), P(1) + 2048) == 0);
  // Read of a whole file page: the file's bytes, mapped read-only + COW.
  CHECK_EQ(vm_fault(as, FSTART + 5, ACC_READ, counts, &why), FAULT_OK);
  CHECK(file_bytes(page_at(as, FSTART), 2, PGSIZE));
  CHECK_EQ(prot_of(as, FSTART), COW_RO);
  CHECK_EQ(counts[FK_FILE], 1);
  // The page straddling filelen: file bytes, then zeros; private, writable.
  CHECK_EQ(vm_fault(as, FSTART + P(1), ACC_READ, counts, &why), FAULT_OK);
  CHECK(file_bytes(page_at(as, FSTART + P(1)), 3, 2048));
  CHECK_EQ(prot_of(as, FSTART + P(1)), RW);
  // Wholly past filelen: anonymous (the zero page for a read).
  CHECK_EQ(vm_fault(as, FSTART + P(2), ACC_READ, counts, &why), FAULT_OK);
  CHECK_EQ(pa_of(as, FSTART + P(2)), frame_zero_page());
  // A write after the read copies (or, the fake's frame being ours alone, reuses).
  paddr_t before = pa_of(as, FSTART);
  user_fill(as, FSTART, 0x5a);
  CHECK_EQ(prot_of(as, FSTART), RW);
  CHECK(page_is(page_at(as, FSTART), 0x5a));
  CHECK(before != 0);
  // A first write to a file page: a private frame with the file's bytes.
  CHECK(aspace_map_obj(as, P(200), P(201), RW, RK_DATA, 0, o, P(5), P(1)) == 0);
  CHECK_EQ(vm_fault(as, P(200), ACC_WRITE, counts, &why), FAULT_OK);
  CHECK(file_bytes(page_at(as, P(200)), 5, PGSIZE));
  CHECK_EQ(prot_of(as, P(200)), RW);
  // A read-only mapping past end of file (no filelen cap): refused, named.
  CHECK(aspace_map_obj(as, P(300), P(301), PROT_READ, RK_MMAP, 0, o, P(FAKEOBJ_PAGES), P(1)) == 0);
  CHECK_EQ(vm_fault(as, P(300), ACC_READ, counts, &why), FAULT_BUS);
  CHECK(strcmp(why, "beyond end of file") == 0);
  check_as(as);
  fakeobj_release(o);
  aspace_put(as);
}
