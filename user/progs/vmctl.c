// vmctl: show or flip the VM policy switches, to compare policies by hand.
//   vmctl                  print every switch
//   vmctl sbrk lazy|eager  how a plain sbrk() grows the heap
//   vmctl fork cow|copy    whether fork shares frames copy-on-write
//   vmctl trap fast|satp   satp switch on every trap (stock-xv6 emulation)
//   vmctl prezero on|off   idle harts keep a pool of pre-zeroed frames
//   vmctl faultaround on|off  a sequential first write maps the next pages too
//   vmctl exec lazy|eager  demand-paged exec, or read the whole file at exec
//   vmctl swap on|off      whether anonymous pages may go to swap (no swap disk: off)
#include "user.h"

struct sw {
  const char *name;
  int op;
  const char *off, *on;  // value 0, value 1
};

static const struct sw sws[] = {
    {"sbrk", VMCTL_SBRK_EAGER, "lazy", "eager"},
    {"fork", VMCTL_FORK_COPY, "cow", "copy"},
    {"trap", VMCTL_TRAP_SATP, "fast", "satp"},
    {"prezero", VMCTL_PREZERO, "off", "on"},
    {"faultaround", VMCTL_FAULTAROUND, "off", "on"},
    {"exec", VMCTL_EXEC_EAGER, "lazy", "eager"},
    {"swap", VMCTL_SWAP, "off", "on"},
};
#define NSW (sizeof(sws) / sizeof(sws[0]))

static void
show(const struct sw *s)
{
  int v = vmctl(s->op, -1);
  printf("%s %s\n", s->name, v == 1 ? s->on : v == 0 ? s->off : "?");
}

int
main(int argc, char *argv[])
{
  if (argc == 1) {
    for (uint i = 0; i < NSW; i++)
      show(&sws[i]);
    return 0;
  }
  for (uint i = 0; i < NSW && argc == 3; i++) {
    const struct sw *s = &sws[i];
    if (strcmp(argv[1], s->name) != 0)
      continue;
    if (strcmp(argv[2], s->off) == 0 || strcmp(argv[2], s->on) == 0) {
      int want = strcmp(argv[2], s->on) == 0;
      vmctl(s->op, want);
      show(s);
      if (vmctl(s->op, -1) != want) {
        fprintf(2, "vmctl: %s stays %s%s\n", s->name, want ? s->off : s->on,
                s->op == VMCTL_SWAP ? " (no swap disk)" : "");
        return 1;
      }
      return 0;
    }
  }
  fprintf(2, "usage: vmctl [sbrk lazy|eager | fork cow|copy | trap fast|satp | prezero on|off | "
             "faultaround on|off | exec lazy|eager | swap on|off]\n");
  return 1;
}
