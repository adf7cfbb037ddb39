// Tests of the real Sv39 pmap.c through its own interface: the kernel half,
// satp loading, PTE bits for each protection, table counts as mappings come
// and go, whole leaf tables handed over by pmap_share, running out of
// table pages. The raw entries are read back with rpmap.c's walker.
#include "types.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "rpmap.h"

#define GIG (1UL << 30)

static int released;

static void
count_release(uint64 pa)
{
  released++;
  frame_unref(pa);
}

static int shared_calls;

static void
count_share(uint64 pa)
{
  shared_calls++;
  frame_ref(pa);
}

// A fresh frame filled with b, mapped at va.
static paddr_t
enter_new(struct pmap *pm, uint64 va, int prot, uint8 b)
{
  paddr_t pa = frame_alloc();
  CHECK(pa != 0);
  memset(P2V(pa), b, PGSIZE);
  CHECKF(pmap_enter(pm, va, pa, prot) == 0, "pmap_enter %#lx failed", va);
  return pa;
}

void
test_pt_kernel_half(void)
{
  uint64 kr = rp_kernel_root();
  CHECK(kr != 0);
  CHECK_EQ(frame_refcount(kr), 1);
  uint64 *k = P2V(kr);
  for (int i = 0; i < RP_NPTE; i++) {
    uint64 want = 0;
    if (i >= 256 && i < 260)
      want =
          (((uint64)(i - 256) << 30) >> 12 << 10) | RP_V | RP_R | RP_W | RP_X | RP_A | RP_D | RP_G;
    CHECKF(k[i] == want, "kernel root entry %d is %#lx, want %#lx", i, k[i], want);
  }
  // Index 256 is where KVOFFSET lands: the kernel at pa + KVOFFSET.
  CHECK_EQ((KVOFFSET >> 30) & 0x1FF, 256);
  static struct pmap pm;  // static: a failed test leaves it live, and valid
  uint64 pt0 = pmap_user_ptpages(), fences = host_sfence_all;
  CHECK(pmap_init(&pm) == 0);
  CHECK_EQ(pm.ptpages, 1);
  CHECK_EQ(pm.resident, 0);
  CHECK_EQ(pmap_user_ptpages(), pt0 + 1);
  for (int i = 0; i < RP_NPTE; i++)
    CHECK_EQ(pm.root[i], i < 256 ? 0 : k[i]);
  pmap_activate(&pm);
  CHECK_EQ(host_csr_satp, (8UL << 60) | (V2P(pm.root) >> 12));
  CHECK(host_sfence_all > fences);
  pmap_kernel_activate();
  CHECK_EQ(host_csr_satp, (8UL << 60) | (kr >> 12));
  check_frames();
  pmap_destroy(&pm, count_release);
  CHECK_EQ(pmap_user_ptpages(), pt0);
}

void
test_pt_pte_bits(void)
{
  static const int prots[] = {
      PROT_READ,
      PROT_READ | PROT_WRITE,
      PROT_READ | PROT_EXEC,
      PROT_READ | PROT_WRITE | PROT_EXEC,
      PROT_EXEC,
      PROT_READ | PMAP_COW,
      PMAP_COW,
      PROT_READ | PROT_EXEC | PMAP_COW,
  };
  static struct pmap pm;  // static: a failed test leaves it live, and valid
  CHECK(pmap_init(&pm) == 0);
  paddr_t pas[NELEM(prots)];
  for (uint i = 0; i < NELEM(prots); i++) {
    uint64 va = P(1 + i);
    pas[i] = enter_new(&pm, va, prots[i], i);
    paddr_t pa;
    int prot;
    CHECK(pmap_query(&pm, va, &pa, &prot) == 1);
    CHECK_EQ(pa, pas[i]);
    int want = prots[i] | ((prots[i] & PMAP_COW) ? PROT_READ : 0);
    CHECKF(prot == want, "prot %#x read back as %#x", prots[i], prot);
    uint64 pte = rp_pte(&pm, va);
    CHECK_EQ(RP_PA(pte), pas[i]);
    CHECK((pte & (RP_V | RP_U | RP_A)) == (RP_V | RP_U | RP_A));
    CHECK(!(pte & RP_G));
    CHECK_EQ(!!(pte & RP_W), !!(prots[i] & PROT_WRITE));
    CHECK_EQ(!!(pte & RP_D), !!(prots[i] & PROT_WRITE));
    CHECK_EQ(!!(pte & RP_X), !!(prots[i] & PROT_EXEC));
    CHECK_EQ(!!(pte & RP_COW), !!(prots[i] & PMAP_COW));
    CHECK_EQ(pte >> 54, 0);
  }
  CHECK_EQ(pm.resident, NELEM(prots));
  paddr_t pa;
  int prot;
  CHECK(pmap_query(&pm, 0, &pa, &prot) == 0);      // same table, no entry
  CHECK(pmap_query(&pm, SPAN, &pa, &prot) == 0);   // no leaf table
  CHECK(pmap_query(&pm, GIG, &pa, &prot) == 0);    // no L1 table
  CHECK(pmap_query(&pm, MAXVA, &pa, &prot) == 0);  // not a user address
  CHECK(pmap_query(&pm, KVOFFSET + KERNBASE, &pa, &prot) == 0);
  CHECK_EQ(pmap_count(&pm, 0, MAXVA), NELEM(prots));
  CHECK_EQ(pmap_count(&pm, P(2), P(4)), 2);
  check_frames();
  released = 0;
  pmap_destroy(&pm, count_release);
  CHECK_EQ(released, NELEM(prots));
}

void
test_pt_tables_counted(void)
{
  static struct pmap pm;  // static: a failed test leaves it live, and valid
  uint64 free0 = frames_free(), pt0 = pmap_user_ptpages();
  CHECK(pmap_init(&pm) == 0);
  static const uint64 vas[] = {P(1), P(2), SPAN + P(3), GIG + P(7), MAXVA - PGSIZE};
  static const uint64 ptp[] = {3, 3, 4, 6, 8};  // root, L1s and leaves after each
  for (uint i = 0; i < NELEM(vas); i++) {
    enter_new(&pm, vas[i], PROT_READ | PROT_WRITE, 0x30 + i);
    CHECK_EQ(pm.ptpages, ptp[i]);
    CHECK_EQ(pm.resident, i + 1);
    CHECK_EQ(pmap_user_ptpages(), pt0 + ptp[i]);
    CHECK_EQ(frames_free(), free0 - ptp[i] - (i + 1));
  }
  check_frames();
  CHECK_EQ(pmap_count(&pm, 0, SPAN), 2);
  CHECK_EQ(pmap_count(&pm, P(2), MAXVA), 4);
  // Replacing a mapping adds no page; the old frame stays the caller's.
  paddr_t old;
  int prot;
  CHECK(pmap_query(&pm, P(2), &old, &prot));
  paddr_t pa = enter_new(&pm, P(2), PROT_READ, 0x77);
  CHECK_EQ(pm.resident, NELEM(vas));
  CHECK(pmap_query(&pm, P(2), &pa, &prot) && prot == PROT_READ);
  frame_unref(old);

  uint64 fences = host_sfence_all;
  released = 0;
  // Part of a span: the table stays.
  CHECK(pmap_remove(&pm, P(2), P(3), count_release) == 0);
  CHECK_EQ(released, 1);
  CHECK_EQ(pm.resident, 4);
  CHECK_EQ(pm.ptpages, 8);
  CHECK(host_sfence_all > fences);
  CHECK(pmap_query(&pm, P(1), &pa, &prot));
  // A range over a whole span frees its table.
  CHECK(pmap_remove(&pm, 0, SPAN, count_release) == 0);
  CHECK_EQ(released, 2);
  CHECK_EQ(pm.ptpages, 7);
  CHECK_EQ(rp_leaf_pa(&pm, 0), 0);
  // The empty table of a removed page elsewhere in its span stays until
  // the whole span goes.
  CHECK(pmap_remove(&pm, SPAN + P(3), SPAN + P(4), count_release) == 0);
  CHECK_EQ(pm.ptpages, 7);
  CHECK(rp_leaf_pa(&pm, SPAN) != 0);
  CHECK(pmap_remove(&pm, SPAN, 2 * SPAN, count_release) == 0);
  CHECK_EQ(pm.ptpages, 6);
  CHECK_EQ(pm.resident, 2);
  // Nothing there: no change.
  CHECK(pmap_remove(&pm, 5 * SPAN + P(1), 7 * SPAN + P(5), count_release) == 0);
  CHECK_EQ(pm.ptpages, 6);
  check_frames();
  // Everything: leaf tables go, L1 tables stay until destroy.
  CHECK(pmap_remove(&pm, 0, MAXVA, count_release) == 0);
  CHECK_EQ(released, 5);
  CHECK_EQ(pm.resident, 0);
  CHECK_EQ(pm.ptpages, 4);
  check_frames();
  pmap_destroy(&pm, count_release);
  CHECK_EQ(frames_free(), free0);
  CHECK_EQ(pmap_user_ptpages(), pt0);
}

void
test_pt_oom_tables(void)
{
  static struct pmap pm;  // static: a failed test leaves it live, and valid
  CHECK(pmap_init(&pm) == 0);
  paddr_t pa = frame_alloc();
  CHECK(pa != 0);
  pool_drain(0);
  CHECK(pmap_enter(&pm, P(1), pa, PROT_READ) == -1);
  CHECK_EQ(pm.ptpages, 1);
  CHECK_EQ(pm.resident, 0);
  static struct pmap pm2;
  CHECK(pmap_init(&pm2) == -1);
  pool_release();
  pool_drain(1);  // the L1 table fits, the leaf does not
  CHECK(pmap_enter(&pm, P(1), pa, PROT_READ) == -1);
  CHECK_EQ(pm.ptpages, 2);
  CHECK_EQ(pm.resident, 0);
  check_frames();
  pool_release();
  pool_drain(1);  // now only the leaf is missing
  CHECK(pmap_enter(&pm, P(1), pa, PROT_READ) == 0);
  CHECK_EQ(pm.ptpages, 3);
  CHECK_EQ(pm.resident, 1);
  pool_release();
  check_frames();
  pmap_destroy(&pm, count_release);
}

void
test_pt_share_whole_table(void)
{
  static struct pmap src, dst, dst2;
  CHECK(pmap_init(&src) == 0 && pmap_init(&dst) == 0 && pmap_init(&dst2) == 0);
  paddr_t a = enter_new(&src, SPAN + P(1), PROT_READ | PROT_WRITE, 0xA1);
  paddr_t b = enter_new(&src, SPAN + P(5), PROT_READ, 0xB5);
  enter_new(&src, 2 * SPAN, PROT_READ | PROT_WRITE, 0xC0);
  uint64 t = rp_leaf_pa(&src, SPAN), sp0 = pmap_shared_pages(), fences = host_sfence_all;
  uint64 free0 = frames_free();
  shared_calls = 0;
  // [SPAN, 2 SPAN) is one whole table: handed over, not copied.
  CHECK(pmap_share(&dst, &src, SPAN, 2 * SPAN, 1, count_share) == 0);
  CHECK_EQ(shared_calls, 0);
  CHECK_EQ(rp_leaf_pa(&dst, SPAN), t);
  CHECK_EQ(frame_refcount(t), 2);
  CHECK_EQ(frame_refcount(a), 1);
  CHECK_EQ(frame_refcount(b), 1);
  CHECK_EQ(pmap_shared_pages(), sp0 + 2);
  CHECK_EQ(frames_free(), free0 - 1);  // dst's L1 table only
  CHECK_EQ(dst.ptpages, 3);
  CHECK_EQ(dst.resident, 2);
  CHECK(host_sfence_all > fences);
  uint64 pte = rp_pte(&src, SPAN + P(1));
  CHECK((pte & RP_COW) && !(pte & (RP_W | RP_D)) && (pte & RP_R));
  CHECK_EQ(rp_pte(&src, SPAN + P(5)) & (RP_COW | RP_W), 0);  // read-only stays as it was
  check_frames();
  // Part of the same table into dst2: per page, from a shared table.
  CHECK(pmap_share(&dst2, &src, SPAN + P(1), SPAN + P(6), 1, count_share) == 0);
  CHECK_EQ(shared_calls, 2);
  CHECK(rp_leaf_pa(&dst2, SPAN) != t);
  CHECK_EQ(frame_refcount(a), 2);
  CHECK_EQ(frame_refcount(t), 2);
  check_frames();
  // Owning: dst gets a private copy, the data frames a reference each.
  CHECK(pmap_own(&dst, SPAN + P(1)) == 0);
  CHECK(rp_leaf_pa(&dst, SPAN) != t);
  CHECK_EQ(frame_refcount(t), 1);
  CHECK_EQ(frame_refcount(a), 3);
  CHECK_EQ(pmap_shared_pages(), sp0);
  CHECK_EQ(dst.ptpages, 3);
  CHECK(pmap_own(&dst, SPAN + P(1)) == 0);  // already private: nothing to do
  CHECK(pmap_own(&dst, 5 * SPAN) == 0);     // no table: nothing to do
  check_frames();
  pmap_destroy(&dst2, count_release);
  pmap_destroy(&dst, count_release);
  CHECK_EQ(frame_refcount(a), 1);
  pmap_destroy(&src, count_release);
}

void
test_pt_own_oom(void)
{
  static struct pmap src, dst;
  CHECK(pmap_init(&src) == 0 && pmap_init(&dst) == 0);
  paddr_t a = enter_new(&src, SPAN, PROT_READ | PROT_WRITE, 1);
  CHECK(pmap_share(&dst, &src, SPAN, 2 * SPAN, 1, count_share) == 0);
  uint64 t = rp_leaf_pa(&src, SPAN);
  pool_drain(0);
  CHECK(pmap_own(&dst, SPAN) == -1);
  CHECK_EQ(rp_leaf_pa(&dst, SPAN), t);
  paddr_t b = frame_zero_page();
  CHECK(pmap_enter(&dst, SPAN + P(3), b, PROT_READ | PMAP_COW) == -1);
  CHECK(pmap_remove(&dst, SPAN + P(1), 2 * SPAN, count_release) == -1);  // edge needs a copy
  CHECK(pmap_remove(&dst, SPAN, 2 * SPAN - P(1), count_release) == -1);
  CHECK_EQ(dst.resident, 1);
  CHECK_EQ(frame_refcount(t), 2);
  CHECK_EQ(frame_refcount(a), 1);
  check_frames();
  // A whole span needs no copy: one decrement.
  CHECK(pmap_remove(&dst, 0, 4 * SPAN, count_release) == 0);
  CHECK_EQ(frame_refcount(t), 1);
  CHECK_EQ(frame_refcount(a), 1);
  CHECK_EQ(dst.resident, 0);
  pool_release();
  check_frames();
  pmap_destroy(&dst, count_release);
  pmap_destroy(&src, count_release);
}

// The fault resolver's slot: one walk creates what is missing (tables, not
// the page), get/set read and write the PTE without walking, next stops at
// the end of the leaf table, own copies a table shared by fork, PMAP_OLD
// leaves A clear and count_young counts pages whose A is set.
void
test_pt_slot_verbs(void)
{
  static struct pmap pm, child;
  CHECK(pmap_init(&pm) == 0 && pmap_init(&child) == 0);
  struct pmap_slot s;
  uint64 pa, free0 = frames_free();
  int prot;
  CHECK(pmap_slot(&pm, SPAN + P(510), &s) == 0);
  CHECK_EQ(pm.ptpages, 3);  // root, L1, leaf: made by the one walk
  CHECK_EQ(frames_free(), free0 - 2);
  CHECK_EQ(pm.resident, 0);
  CHECK(!pmap_slot_get(&pm, &s, &pa, &prot));
  paddr_t a = frame_alloc_zeroed(), b = frame_alloc_zeroed();
  pmap_slot_set(&pm, &s, a, PROT_READ | PROT_WRITE);
  CHECK_EQ(pm.resident, 1);
  CHECK(pmap_slot_get(&pm, &s, &pa, &prot));
  CHECK_EQ(pa, a);
  CHECK_EQ(prot, PROT_READ | PROT_WRITE);
  uint64 pte = rp_pte(&pm, SPAN + P(510));
  CHECK_EQ(pte & (RP_V | RP_R | RP_W | RP_U | RP_A | RP_D),
           RP_V | RP_R | RP_W | RP_U | RP_A | RP_D);
  // next: to 511, then the table ends
  CHECK(pmap_slot_next(&pm, &s) == 1);
  CHECK_EQ(s.va, SPAN + P(511));
  CHECK(!pmap_slot_get(&pm, &s, &pa, &prot));
  pmap_slot_set(&pm, &s, b, PROT_READ | PROT_WRITE | PMAP_OLD);
  CHECK_EQ(rp_pte(&pm, SPAN + P(511)) & (RP_V | RP_A | RP_D), RP_V | RP_D);  // not accessed yet
  CHECK(pmap_slot_get(&pm, &s, &pa, &prot));
  CHECK_EQ(prot, PROT_READ | PROT_WRITE | PMAP_OLD);
  CHECK(pmap_query(&pm, SPAN + P(511), &pa, &prot) && prot == (PROT_READ | PROT_WRITE));
  CHECK(pmap_slot_next(&pm, &s) == 0);
  CHECK_EQ(s.va, SPAN + P(511));
  CHECK_EQ(pmap_count_young(&pm, SPAN, 2 * SPAN), 1);
  uint64 *raw = P2V(rp_leaf_pa(&pm, SPAN));
  raw[511] |= RP_A;  // what the hardware does at the first access
  CHECK_EQ(pmap_count_young(&pm, SPAN, 2 * SPAN), 2);
  CHECK_EQ(pmap_count_young(&pm, SPAN, SPAN + P(511)), 1);
  check_frames();
  // A table shared by fork: slot leaves it shared, own makes it private.
  CHECK(pmap_share(&child, &pm, SPAN, 2 * SPAN, 1, count_share) == 0);
  uint64 t = rp_leaf_pa(&pm, SPAN);
  CHECK_EQ(rp_leaf_pa(&child, SPAN), t);
  CHECK(pmap_slot(&child, SPAN + P(3), &s) == 0);
  CHECK_EQ(rp_leaf_pa(&child, SPAN), t);
  CHECK_EQ(frame_refcount(t), 2);
  CHECK(pmap_slot_own(&child, &s) == 0);
  CHECK(rp_leaf_pa(&child, SPAN) != t);
  CHECK_EQ(frame_refcount(t), 1);
  CHECK_EQ(frame_refcount(a), 2);
  paddr_t c = frame_alloc_zeroed();
  pmap_slot_set(&child, &s, c, PROT_READ | PROT_WRITE);
  CHECK_EQ(child.resident, 3);
  CHECK_EQ(pm.resident, 2);
  CHECK(!pmap_query(&pm, SPAN + P(3), &pa, &prot));  // the parent's table is untouched
  check_frames();
  // Out of memory for a table: -1, nothing changed.
  pool_drain(0);
  CHECK(pmap_slot(&pm, 7 * SPAN, &s) == -1);
  CHECK_EQ(pm.ptpages, 3);
  pool_release();
  check_frames();
  pmap_destroy(&child, count_release);
  pmap_destroy(&pm, count_release);
}

// The verbs the reclaimer uses on someone else's page table: find a slot
// without allocating, test-and-clear A, clear one page, see sharing.
void
test_pt_access_verbs(void)
{
  static struct pmap pm, child;
  CHECK(pmap_init(&pm) == 0 && pmap_init(&child) == 0);
  struct pmap_slot s;
  uint64 free0 = frames_free(), pa;
  int prot;
  // find never allocates: nothing there yet
  CHECK(pmap_slot_find(&pm, SPAN + P(7), &s) == -1);
  CHECK(pmap_slot_find(&pm, MAXVA, &s) == -1);
  CHECK_EQ(pm.ptpages, 1);
  CHECK_EQ(frames_free(), free0);
  paddr_t a = enter_new(&pm, SPAN + P(7), RW, 0xA1);
  paddr_t b = enter_new(&pm, SPAN + P(8), RW, 0xB2);
  CHECK(pmap_slot_find(&pm, SPAN + P(9), &s) == 0);  // same leaf table, empty PTE
  CHECK(!pmap_slot_get(&pm, &s, &pa, &prot));
  CHECK(pmap_slot_young(&pm, &s) == 0);
  CHECK_EQ(rp_pte(&pm, SPAN + P(9)), 0);  // young leaves an empty PTE alone
  CHECK(pmap_slot_find(&pm, SPAN + P(7), &s) == 0);
  CHECK(pmap_slot_get(&pm, &s, &pa, &prot) && pa == a && prot == RW);
  CHECK(!pmap_slot_shared(&pm, &s));
  // A set at mapping (the faulting access); young clears it, once
  CHECK(rp_pte(&pm, SPAN + P(7)) & RP_A);
  CHECK(pmap_slot_young(&pm, &s) == 1);
  uint64 pte = rp_pte(&pm, SPAN + P(7));
  CHECK_EQ(pte & (RP_V | RP_R | RP_W | RP_U | RP_A | RP_D), RP_V | RP_R | RP_W | RP_U | RP_D);
  CHECK_EQ(RP_PA(pte), a);
  CHECK(pmap_slot_young(&pm, &s) == 0);
  CHECK(pmap_slot_get(&pm, &s, &pa, &prot) && pa == a && prot == (RW | PMAP_OLD));
  CHECK_EQ(pmap_count_young(&pm, SPAN, 2 * SPAN), 1);  // b only
  // the hardware sets A again at an access
  ((uint64 *)P2V(rp_leaf_pa(&pm, SPAN)))[7] |= RP_A;
  CHECK(pmap_slot_young(&pm, &s) == 1);
  CHECK(pmap_slot_young(&pm, &s) == 0);
  CHECK_EQ(pm.resident, 2);
  check_frames();
  // fork shares the whole leaf table: both see it shared
  CHECK(pmap_share(&child, &pm, SPAN, 2 * SPAN, 1, count_share) == 0);
  struct pmap_slot cs;
  CHECK(pmap_slot_find(&child, SPAN + P(8), &cs) == 0);
  CHECK(pmap_slot_shared(&child, &cs));
  CHECK(pmap_slot_find(&pm, SPAN + P(8), &s) == 0);
  CHECK(pmap_slot_shared(&pm, &s));
  CHECK(pmap_slot_own(&child, &cs) == 0);
  CHECK(!pmap_slot_shared(&child, &cs));
  CHECK(!pmap_slot_shared(&pm, &s));
  // clear: the page goes, the frame is the caller's
  CHECK_EQ(frame_refcount(b), 2);
  pmap_slot_clear(&child, &cs);
  CHECK_EQ(child.resident, 1);
  CHECK(!pmap_slot_get(&child, &cs, &pa, &prot));
  CHECK_EQ(rp_pte(&child, SPAN + P(8)), 0);
  CHECK(pmap_query(&pm, SPAN + P(8), &pa, &prot) && pa == b);  // the parent keeps it
  frame_unref(b);
  check_frames();
  pmap_slot_clear(&child, &cs);  // clearing an empty slot changes nothing
  CHECK_EQ(child.resident, 1);
  CHECK(pmap_slot_find(&pm, SPAN + P(8), &s) == 0);
  pmap_slot_clear(&pm, &s);
  frame_unref(b);
  CHECK_EQ(pm.resident, 1);
  check_frames();
  pmap_destroy(&child, count_release);
  pmap_destroy(&pm, count_release);
}

// pmap_shootdown: nothing to ask when pm is loaded nowhere else; a flush
// here when it is loaded here; a ticket and a wake-up for the hart that has
// it, whose handler's fence (or its leaving pm) ends the wait.
void
test_pt_shootdown(void)
{
  static struct pmap pm, other;
  CHECK(pmap_init(&pm) == 0 && pmap_init(&other) == 0);
  intr_on();
  uint64 w0 = rp_wakes, f0 = host_sfence_all, n0 = pmap_shootdowns();
  pmap_shootdown(&pm);  // loaded nowhere
  CHECK_EQ(rp_wakes, w0);
  CHECK_EQ(host_sfence_all, f0);
  pmap_activate(&pm);  // hart 0 (us)
  f0 = host_sfence_all;
  pmap_shootdown(&pm);
  CHECK_EQ(rp_wakes, w0);
  CHECK_EQ(host_sfence_all, f0 + 1);  // our own flush
  pmap_shootdown(&other);             // loaded nowhere
  CHECK_EQ(host_sfence_all, f0 + 1);
  // hart 2 loads other; we shoot it down: one wake-up, its handler fences
  host_tp = 2;
  pmap_activate(&other);
  host_tp = 0;
  rp_wake_mode = RP_WAKE_ACK;
  f0 = host_sfence_all;
  pmap_shootdown(&other);
  CHECK_EQ(rp_wakes, w0 + 1);
  CHECK_EQ(host_sfence_all, f0 + 1);  // hart 2's, not ours
  CHECK_EQ(pmap_shootdowns(), n0 + 1);
  pmap_shootdown(&other);  // a second one needs a second ack
  CHECK_EQ(rp_wakes, w0 + 2);
  CHECK_EQ(host_sfence_all, f0 + 2);
  // a handler run with nothing asked does not fence
  host_tp = 2;
  pmap_shootdown_intr();
  host_tp = 0;
  CHECK_EQ(host_sfence_all, f0 + 2);
  // the woken hart leaves other instead of acking: that ends the wait too
  rp_wake_mode = RP_WAKE_LEAVE;
  pmap_shootdown(&other);
  CHECK_EQ(rp_wakes, w0 + 3);
  pmap_shootdown(&other);  // loaded nowhere now
  CHECK_EQ(rp_wakes, w0 + 3);
  rp_wake_mode = RP_WAKE_ACK;
  pmap_kernel_activate();
  pmap_shootdown(&pm);  // we left it too
  CHECK_EQ(rp_wakes, w0 + 3);
  CHECK_EQ(pmap_shootdowns(), n0 + 3);
  intr_off();
  pmap_destroy(&other, 0);
  pmap_destroy(&pm, 0);
}
