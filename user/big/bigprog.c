// bigprog: the big test program of demand-paged exec (several MiB of text,
// read-only and initialised data, generated at build time by tools/mkbig).
//   bigprog check   verify every byte: text pages against /bigsums, both
//                   arrays against big_byte(), bss all zero, every function
//   bigprog write   read, then overwrite every data and bss page (a later
//                   run must still see the file's bytes), verify what it wrote
//   bigprog touch   read one byte of the read-only array and exit
//   bigprog stat N  read one byte of each of N pages of the read-only array,
//                   print "resident R file F cached C" (procstat), exit
//   bigprog hold    read every text page, print the same line, then wait
//                   for end of file on stdin (frame-sharing tests)
// Exit status 0 on success; a mismatch prints its address and exits 1.
#include "big.h"

extern const unsigned char big_ro[BIG_RO_SIZE];
extern unsigned char big_data[BIG_DATA_SIZE];
extern uint64 (*const big_fns[BIG_NFUNC])(uint64);
static unsigned char big_bss[BIG_BSS_SIZE] __attribute__((aligned(4096)));
static struct bigsum sums[BIG_MAXSUMS];

static void
fail(const char *what, const void *at)
{
  printf("bigprog: %s at %p\n", what, at);
  exit(1);
}

static int
load_sums(void)
{
  uint64 n = 0;
  int fd = open("/bigsums", O_RDONLY);
  if (fd < 0 || read(fd, &n, sizeof(n)) != sizeof(n) || n > BIG_MAXSUMS)
    fail("cannot read /bigsums", 0);
  int want = n * sizeof(sums[0]);
  if (read(fd, sums, want) != want)
    fail("short /bigsums", 0);
  close(fd);
  return n;
}

static void
check_text(void)
{
  int n = load_sums();
  if (n < 2)
    fail("too few text pages in /bigsums", 0);
  for (int i = 0; i < n; i++)
    if (big_fnv((const unsigned char *)sums[i].va, PGSIZE) != sums[i].sum)
      fail("text page differs from the file", (void *)sums[i].va);
}

static void
check_array(const unsigned char *a, uint64 n, uint32 seed, const char *what)
{
  for (uint64 i = 0; i < n; i++)
    if (a[i] != big_byte(i, seed))
      fail(what, &a[i]);
}

static void
check_fns(void)
{
  for (int k = 0; k < BIG_NFUNC; k++) {
    uint64 h = 42 ^ big_fn_xor(k);
    for (int i = 0; i < big_fn_rounds(k); i++)
      h = h * 6364136223846793005ULL + big_fn_add(k);
    if (big_fns[k](42) != h)
      fail("generated function returns a wrong value", (void *)big_fns[k]);
  }
}

// The rest of the page holding the data array's last byte is bss: zero at
// start (the file's bytes that follow there must not show).
static void
check_data_tail(void)
{
  const unsigned char *p = &big_data[BIG_DATA_SIZE];
  for (; (uint64)p % PGSIZE; p++)
    if (*p != 0)
      fail("bss byte after the data segment's file bytes not zero", p);
}

static void
check_all(void)
{
  check_text();
  check_array(big_ro, BIG_RO_SIZE, BIG_RO_SEED, "read-only array byte wrong");
  check_array(big_data, BIG_DATA_SIZE, BIG_DATA_SEED, "data array byte wrong");
  for (uint64 i = 0; i < BIG_BSS_SIZE; i++)
    if (big_bss[i] != 0)
      fail("bss byte not zero", &big_bss[i]);
  check_fns();
}

static void
write_all(void)
{
  // read first, so the stores below hit read-only mappings of cache pages
  check_array(big_data, BIG_DATA_SIZE, BIG_DATA_SEED, "data array byte wrong");
  for (uint64 i = 0; i < BIG_DATA_SIZE; i += 8)
    *(uint64 *)&big_data[i] = ~i;
  for (uint64 i = 0; i < BIG_BSS_SIZE; i += 8)
    *(uint64 *)&big_bss[i] = i + 1;
  for (uint64 i = 0; i < BIG_DATA_SIZE; i += 8)
    if (*(uint64 *)&big_data[i] != ~i)
      fail("own write to data lost", &big_data[i]);
  for (uint64 i = 0; i < BIG_BSS_SIZE; i += 8)
    if (*(uint64 *)&big_bss[i] != i + 1)
      fail("own write to bss lost", &big_bss[i]);
}

// Print "resident R file F cached C": formatted and written by code that
// has already run once, so no page faults in after the counts are taken.
static void
print_stat(void)
{
  struct procstat ps;
  char line[80];
  for (int pass = 0; pass < 2; pass++) {
    if (procstat(0, &ps) < 0)
      fail("procstat failed", 0);
    int n = snprintf(line, sizeof(line), "resident %d file %d cached %d\n", (int)ps.resident,
                     (int)ps.faults[FK_FILE], (int)ps.faults[FK_FILE_CACHED]);
    write(1, line, pass ? n : 0);
  }
}

static void
touch_ro(int npages)
{
  for (int i = 0; i < npages; i++) {
    uint64 at = (uint64)i * PGSIZE * 7 % BIG_RO_SIZE;
    if (big_ro[at] != big_byte(at, BIG_RO_SEED))
      fail("read-only array byte wrong", &big_ro[at]);
  }
}

static void
hold(void)
{
  char c;
  check_text();
  print_stat();
  while (read(0, &c, 1) > 0)
    ;
}

int
main(int argc, char **argv)
{
  const char *mode = argc > 1 ? argv[1] : "check";
  check_data_tail();  // first: before anything could write bss
  if (strcmp(mode, "check") == 0)
    check_all();
  else if (strcmp(mode, "write") == 0)
    write_all();
  else if (strcmp(mode, "touch") == 0)
    return big_ro[BIG_RO_SIZE / 2] != big_byte(BIG_RO_SIZE / 2, BIG_RO_SEED);
  else if (strcmp(mode, "hold") == 0)
    hold();
  else if (strcmp(mode, "stat") == 0) {
    touch_ro(argc > 2 ? atoi(argv[2]) : 1);
    print_stat();
  } else
    fail("unknown mode", 0);
  return 0;
}
