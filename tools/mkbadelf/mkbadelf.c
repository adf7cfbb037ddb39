// mkbadelf: craft broken executables from a good one, for exec's tests.
//   mkbadelf good.elf outdir
// Writes outdir/_eb_NAME for each case below (mkfs drops the '_', so the
// image holds /eb_NAME), each broken in exactly one way that exec must
// refuse with -1, plus outdir/_eb_good, an unchanged copy that must run.
// The good file must be a Lazuli user program: two PT_LOAD segments, text
// then data. Not responsible for testing anything itself.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ELF64 layout (ELF specification), little-endian host assumed.
struct ehdr {
  uint8_t ident[16];
  uint16_t type, machine;
  uint32_t version;
  uint64_t entry, phoff, shoff;
  uint32_t flags;
  uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct phdr {
  uint32_t type, flags;
  uint64_t off, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct ehdr) == 64, "ELF header");
_Static_assert(sizeof(struct phdr) == 56, "program header");

#define PT_LOAD 1
#define PT_INTERP 3
#define PG 4096ULL
#define MAXVA (1ULL << 38)
#define KERNEL_VA 0xFFFFFFC080000000ULL
#define STACK_VA (MAXVA - PG - (1ULL << 20) + 16 * PG)  // inside the user stack region

static unsigned char *good;  // the good file
static size_t good_len;
static const char *outdir;

// A working copy: the file, its header, and its first two program headers.
struct work {
  unsigned char *buf;
  size_t len;
  struct ehdr *eh;
  struct phdr *text, *data;
};

static void
die(const char *msg)
{
  fprintf(stderr, "mkbadelf: %s\n", msg);
  exit(1);
}

// A fresh copy with room for extra program headers after the file.
static struct work
copy_good(size_t extra)
{
  struct work w;
  w.buf = calloc(1, good_len + extra);
  if (w.buf == 0)
    die("out of memory");
  memcpy(w.buf, good, good_len);
  w.len = good_len;
  w.eh = (struct ehdr *)w.buf;
  w.text = (struct phdr *)(w.buf + w.eh->phoff);
  w.data = w.text + 1;
  return w;
}

static void
emit(const char *name, struct work *w)
{
  char path[1024];
  snprintf(path, sizeof(path), "%s/_eb_%s", outdir, name);
  if (strlen(name) + 3 > 14)
    die("case name too long for a directory entry");
  FILE *f = fopen(path, "wb");
  if (f == 0 || fwrite(w->buf, 1, w->len, f) != w->len || fclose(f) != 0) {
    perror(path);
    exit(1);
  }
  free(w->buf);
}

static void
load_good(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (f == 0) {
    perror(path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  good_len = ftell(f);
  rewind(f);
  good = malloc(good_len);
  if (good == 0 || fread(good, 1, good_len, f) != good_len)
    die("cannot read the good file");
  fclose(f);
  struct ehdr *eh = (struct ehdr *)good;
  if (good_len < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4) != 0 || eh->phnum < 2 ||
      eh->phoff + 2 * sizeof(struct phdr) > good_len)
    die("the good file is not an ELF with two program headers");
  struct phdr *ph = (struct phdr *)(good + eh->phoff);
  if (ph[0].type != PT_LOAD || ph[1].type != PT_LOAD || ph[0].filesz < 64)
    die("the good file needs text then data");
}

int
main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: mkbadelf good.elf outdir\n");
    return 1;
  }
  load_good(argv[1]);
  outdir = argv[2];
  struct work w;

  w = copy_good(0);
  emit("good", &w);

  // ---- the file itself ----
  w = copy_good(0);
  w.len = 40;  // ends inside the ELF header
  emit("short", &w);
  w = copy_good(0);
  w.len = w.eh->phoff + sizeof(struct phdr) + 20;  // ends inside the second program header
  emit("phtrunc", &w);
  w = copy_good(0);
  w.len = w.text->off + w.text->filesz / 2;  // ends inside the text segment
  emit("segtrunc", &w);

  // ---- the ELF header ----
  w = copy_good(0);
  w.buf[1] = 'F';
  emit("magic", &w);
  w = copy_good(0);
  w.eh->ident[4] = 1;  // ELFCLASS32
  emit("class", &w);
  w = copy_good(0);
  w.eh->ident[5] = 2;  // big-endian
  emit("endian", &w);
  w = copy_good(0);
  w.eh->machine = 62;  // x86-64
  emit("machine", &w);
  w = copy_good(0);
  w.eh->type = 3;  // ET_DYN
  emit("type", &w);
  w = copy_good(0);
  w.eh->phoff = good_len + 64;  // past the end of the file
  emit("phoff", &w);
  w = copy_good(0);
  w.eh->phoff = ~0ULL - 8;  // phoff + table size overflows
  emit("phoffovf", &w);
  w = copy_good(0);
  w.eh->phnum = 0xffff;
  emit("phnum", &w);
  w = copy_good(0);
  w.eh->phnum = 0;
  emit("phnum0", &w);
  w = copy_good(0);
  w.eh->phentsize = 32;
  emit("phentsz", &w);
  w = copy_good(0);
  w.eh->entry = w.data->vaddr;  // entry in a non-executable segment
  emit("entry", &w);

  // ---- program headers ----
  w = copy_good(0);
  w.text->memsz = w.text->filesz - 1;  // filesz > memsz
  emit("fszmsz", &w);
  w = copy_good(0);
  w.text->vaddr += 8;  // vaddr and offset no longer congruent modulo the page size
  w.eh->entry += 8;
  emit("incongr", &w);
  w = copy_good(0);
  w.text->off =
      (good_len + 2 * PG) / PG * PG + w.text->vaddr % PG;  // bytes past the end of the file
  emit("segoff", &w);
  w = copy_good(0);
  w.text->off = ~0ULL - PG + 1 + (w.text->vaddr % PG);  // off + filesz overflows
  emit("offovf", &w);
  w = copy_good(0);
  w.data->vaddr = w.text->vaddr + w.text->memsz - 8;  // data starts inside text
  w.data->off = w.data->vaddr % PG;
  w.data->filesz = 0;
  emit("overlap", &w);
  w = copy_good(0);
  {
    struct phdr t = *w.text;  // data first, then text: not sorted
    *w.text = *w.data;
    *w.data = t;
  }
  emit("order", &w);
  w = copy_good(0);
  w.data->vaddr = KERNEL_VA + (w.data->off % PG);  // over the kernel
  emit("kernel", &w);
  w = copy_good(0);
  w.data->vaddr = MAXVA - PG + (w.data->off % PG);  // runs past MAXVA
  w.data->memsz = 2 * PG;
  emit("maxva", &w);
  w = copy_good(0);
  w.data->memsz = ~0ULL - w.data->vaddr + 2;  // vaddr + memsz wraps around
  emit("vaovf", &w);
  w = copy_good(0);
  w.data->vaddr = STACK_VA + (w.data->off % PG);  // inside the stack region
  emit("stack", &w);
  w = copy_good(0);
  {
    uint64_t d = w.text->vaddr - w.text->off % PG;  // text moved down into page 0
    w.text->vaddr -= d;
    w.eh->entry -= d;
  }
  emit("page0", &w);
  w = copy_good(0);
  w.data->type = PT_INTERP;  // asks for a dynamic loader
  emit("interp", &w);

  // Too many loadable segments: 17 one-page text segments (exec allows 16),
  // the header table moved to the end of the file.
  w = copy_good(17 * sizeof(struct phdr));
  {
    struct phdr *ph = (struct phdr *)(w.buf + good_len);
    for (int i = 0; i < 17; i++) {
      ph[i] = *w.text;
      ph[i].vaddr = w.text->vaddr + i * PG;
      ph[i].off = w.text->off;
      ph[i].filesz = ph[i].memsz = 16;
    }
    w.eh->phoff = good_len;
    w.eh->phnum = 17;
    w.eh->entry = w.text->vaddr;
    w.len = good_len + 17 * sizeof(struct phdr);
  }
  emit("toomany", &w);
  return 0;
}
