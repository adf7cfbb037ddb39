// Fake pmap for the host tests: the same contract as kernel/vm/pmap.h over a
// sorted array of (va, pa, prot). Table pages are real frames from the
// frame allocator, one per touched 1 GiB span (middle) and 2 MiB span
// (leaf) plus the root, freed when the real Sv39 code would free them, so
// out-of-memory and ptpages behave plausibly. resident is exact.
#include <stdlib.h>
#include <stddef.h>
#include "types.h"
#include "memlayout.h"
#include "vm/vm.h"
#include "vm/pmap.h"
#include "lib/klib.h"
#include "fakepmap.h"

// A mapping (slot 0) or a swap entry (pa 0, prot 0, slot: the swap slot,
// holding one slot reference, as the real leaf table's entry does).
struct fmap {
  uint64 va, pa;
  int prot;
  swapslot_t slot;
};

struct ftable {
  int level;   // 1: middle table for a 1 GiB span; 0: leaf table for 2 MiB
  uint64 idx;  // va >> 30 or va >> 21
  uint64 pa;
};

struct fpmap {
  struct pmap *pm;
  uint64 rootpa;
  struct fmap *map;  // sorted by va
  int nmap, capmap;
  struct ftable *tab;
  int ntab, captab;
  struct fpmap *next;  // live list
};

static struct fpmap *live;
static uint64 user_ptpages;
static uint64 flushes;

static struct fpmap *
fp_of(struct pmap *pm)
{
  assert(pm->root != 0);
  return (struct fpmap *)pm->root;
}

static paddr_t
table_alloc(struct pmap *pm)
{
  paddr_t pa = frame_alloc_zeroed();
  if (pa) {
    pm->ptpages++;
    user_ptpages++;
  }
  return pa;
}

static void
table_free(struct pmap *pm, paddr_t pa)
{
  pm->ptpages--;
  user_ptpages--;
  frame_unref(pa);
}

static int
table_find(struct fpmap *fp, int level, uint64 idx)
{
  for (int i = 0; i < fp->ntab; i++)
    if (fp->tab[i].level == level && fp->tab[i].idx == idx)
      return i;
  return -1;
}

// Make sure the middle and leaf tables covering va exist; 0 / -1.
static int
tables_for(struct fpmap *fp, uint64 va)
{
  for (int level = 1; level >= 0; level--) {
    uint64 idx = va >> (level ? 30 : 21);
    if (table_find(fp, level, idx) >= 0)
      continue;
    paddr_t pa = table_alloc(fp->pm);
    if (pa == 0)
      return -1;
    if (fp->ntab == fp->captab) {
      fp->captab = fp->captab ? 2 * fp->captab : 16;
      fp->tab = realloc(fp->tab, fp->captab * sizeof(fp->tab[0]));
    }
    fp->tab[fp->ntab++] = (struct ftable){level, idx, pa};
  }
  return 0;
}

// Index of the first mapping at or above va.
static int
lower_bound(struct fpmap *fp, uint64 va)
{
  int lo = 0, hi = fp->nmap;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (fp->map[mid].va < va)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static void
map_set(struct fpmap *fp, uint64 va, uint64 pa, int prot)
{
  int i = lower_bound(fp, va);
  if (i < fp->nmap && fp->map[i].va == va) {
    assert(fp->map[i].slot == 0);  // a swap entry is consumed first
    fp->map[i].pa = pa;
    fp->map[i].prot = prot;
    return;
  }
  if (fp->nmap == fp->capmap) {
    fp->capmap = fp->capmap ? 2 * fp->capmap : 64;
    fp->map = realloc(fp->map, fp->capmap * sizeof(fp->map[0]));
  }
  memmove(&fp->map[i + 1], &fp->map[i], (fp->nmap - i) * sizeof(fp->map[0]));
  fp->map[i] = (struct fmap){va, pa, prot, 0};
  fp->nmap++;
  fp->pm->resident++;
}

// The entry at va (a mapping or a swap entry), or 0.
static struct fmap *
entry_at(struct fpmap *fp, uint64 va)
{
  int i = lower_bound(fp, va);
  return i < fp->nmap && fp->map[i].va == va ? &fp->map[i] : 0;
}

// The mapping at va, or 0 (swap entries map nothing).
static struct fmap *
mapping_at(struct fpmap *fp, uint64 va)
{
  struct fmap *m = entry_at(fp, va);
  return m && m->slot == 0 ? m : 0;
}

// A PTE can hold only what the real one can: R, W, X and the COW bit
// (which implies R there).
static int
pte_prot(int prot)
{
  assert((prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PMAP_COW | PMAP_OLD)) == 0);
  if (prot & (PMAP_COW | PROT_WRITE))
    prot |= PROT_READ;
  return prot;
}

int
pmap_init(struct pmap *pm)
{
  pm->ptpages = 0;
  pm->resident = 0;
  pm->swapped = 0;
  struct fpmap *fp = calloc(1, sizeof(*fp));
  fp->pm = pm;
  fp->rootpa = table_alloc(pm);
  if (fp->rootpa == 0) {
    free(fp);
    pm->root = 0;
    return -1;
  }
  pm->root = (uint64 *)fp;
  fp->next = live;
  live = fp;
  return 0;
}

int
pmap_own(struct pmap *pm, uint64 va)
{
  (void)pm;
  (void)va;
  return 0;  // the fake never shares tables: every table is private
}

uint64
pmap_shared_pages(void)
{
  return 0;
}

int
pmap_remove(struct pmap *pm, uint64 start, uint64 end, void (*release)(uint64 pa))
{
  struct fpmap *fp = fp_of(pm);
  int i = lower_bound(fp, start), j = i;
  while (j < fp->nmap && fp->map[j].va < end)
    j++;
  for (int k = i; k < j; k++) {
    if (fp->map[k].slot) {
      pm->swapped--;
      swap_unref(fp->map[k].slot);
      continue;
    }
    pm->resident--;
    if (release)
      release(fp->map[k].pa);
  }
  if (j > i) {
    memmove(&fp->map[i], &fp->map[j], (fp->nmap - j) * sizeof(fp->map[0]));
    fp->nmap -= j - i;
  }
  // Like Sv39: a leaf table goes once the removed range covers its span.
  for (int k = 0; k < fp->ntab;) {
    struct ftable *t = &fp->tab[k];
    if (t->level == 0 && (t->idx << 21) >= start && ((t->idx + 1) << 21) <= end) {
      table_free(pm, t->pa);
      fp->tab[k] = fp->tab[--fp->ntab];
    } else {
      k++;
    }
  }
  return 0;
}

void
pmap_destroy(struct pmap *pm, void (*release)(uint64 pa))
{
  struct fpmap *fp = fp_of(pm);
  pmap_remove(pm, 0, MAXVA, release);
  for (int k = 0; k < fp->ntab; k++)
    table_free(pm, fp->tab[k].pa);
  table_free(pm, fp->rootpa);
  assert(pm->ptpages == 0);
  assert(pm->resident == 0);
  assert(pm->swapped == 0);
  for (struct fpmap **pp = &live; *pp; pp = &(*pp)->next)
    if (*pp == fp) {
      *pp = fp->next;
      break;
    }
  free(fp->map);
  free(fp->tab);
  free(fp);
  pm->root = 0;
}

int
pmap_enter(struct pmap *pm, uint64 va, uint64 pa, int prot)
{
  assert(va < MAXVA && va % PGSIZE == 0);
  assert(frame_refcount(pa) > 0);  // never map a free frame
  struct fpmap *fp = fp_of(pm);
  if (tables_for(fp, va) < 0)
    return -1;
  map_set(fp, va, pa, pte_prot(prot));
  return 0;
}

int
pmap_query(struct pmap *pm, uint64 va, uint64 *pa, int *prot)
{
  struct fpmap *fp = fp_of(pm);
  if (va >= MAXVA)
    return 0;
  struct fmap *m = mapping_at(fp, va);
  if (m == 0)
    return 0;
  *pa = m->pa;
  *prot = m->prot & ~PMAP_OLD;  // as the real one: query does not report it
  return 1;
}

// Slots: the fake keeps only the address (it has no PTEs to point at).

int
pmap_slot(struct pmap *pm, uint64 va, struct pmap_slot *s)
{
  assert(va < MAXVA && va % PGSIZE == 0);
  if (tables_for(fp_of(pm), va) < 0)
    return -1;
  s->va = va;
  s->pte = s->l1e = 0;
  return 0;
}

int
pmap_slot_get(struct pmap *pm, struct pmap_slot *s, uint64 *pa, int *prot)
{
  struct fmap *m = mapping_at(fp_of(pm), s->va);
  if (m == 0)
    return 0;
  *pa = m->pa;
  *prot = m->prot;
  return 1;
}

int
pmap_slot_own(struct pmap *pm, struct pmap_slot *s)
{
  return pmap_own(pm, s->va);
}

void
pmap_slot_set(struct pmap *pm, struct pmap_slot *s, uint64 pa, int prot)
{
  assert(frame_refcount(pa) > 0);
  assert(table_find(fp_of(pm), 0, s->va >> 21) >= 0);  // pmap_slot made the table
  map_set(fp_of(pm), s->va, pa, pte_prot(prot));
}

int
pmap_slot_find(struct pmap *pm, uint64 va, struct pmap_slot *s)
{
  if (va >= MAXVA || table_find(fp_of(pm), 0, va >> 21) < 0)
    return -1;
  assert(va % PGSIZE == 0);
  s->va = va;
  s->pte = s->l1e = 0;
  return 0;
}

void
pmap_slot_clear(struct pmap *pm, struct pmap_slot *s)
{
  struct fpmap *fp = fp_of(pm);
  int i = lower_bound(fp, s->va);
  if (i == fp->nmap || fp->map[i].va != s->va)
    return;
  if (fp->map[i].slot)
    pm->swapped--;  // the slot reference passes to the caller
  else
    pm->resident--;
  memmove(&fp->map[i], &fp->map[i + 1], (fp->nmap - i - 1) * sizeof(fp->map[0]));
  fp->nmap--;
}

int
pmap_slot_swap(struct pmap *pm, struct pmap_slot *s, swapslot_t *slot)
{
  struct fmap *m = entry_at(fp_of(pm), s->va);
  if (m == 0 || m->slot == 0)
    return 0;
  *slot = m->slot;
  return 1;
}

void
pmap_slot_set_swap(struct pmap *pm, struct pmap_slot *s, swapslot_t slot)
{
  struct fpmap *fp = fp_of(pm);
  assert(slot != 0 && swap_refcount(slot) > 0);
  assert(table_find(fp, 0, s->va >> 21) >= 0);
  struct fmap *m = entry_at(fp, s->va);
  if (m == 0) {
    map_set(fp, s->va, 0, 0);  // counted resident: undone below
    m = entry_at(fp, s->va);
  }
  assert(m->slot == 0);
  pm->resident--;
  pm->swapped++;
  *m = (struct fmap){s->va, 0, 0, slot};
}

int
pmap_slot_shared(struct pmap *pm, struct pmap_slot *s)
{
  return 0;  // the fake never shares tables
}

// PMAP_OLD is the fake's accessed bit, inverted (fakepmap_touch clears it).
int
pmap_slot_young(struct pmap *pm, struct pmap_slot *s)
{
  struct fmap *m = mapping_at(fp_of(pm), s->va);
  if (m == 0)
    return 0;
  int young = !(m->prot & PMAP_OLD);
  m->prot |= PMAP_OLD;
  return young;
}

static uint64 shootdowns;

void
pmap_shootdown(struct pmap *pm)
{
  (void)fp_of(pm);
  shootdowns++;
  flushes++;
}

uint64
pmap_shootdowns(void)
{
  return shootdowns;
}

int
pmap_slot_next(struct pmap *pm, struct pmap_slot *s)
{
  if (((s->va >> 12) & 511) == 511)
    return 0;  // the end of a 2 MiB leaf table
  s->va += PGSIZE;
  return 1;
}

uint64
pmap_count_young(struct pmap *pm, uint64 start, uint64 end)
{
  struct fpmap *fp = fp_of(pm);
  uint64 n = 0;
  for (int i = lower_bound(fp, start); i < fp->nmap && fp->map[i].va < end; i++)
    n += fp->map[i].slot == 0 && !(fp->map[i].prot & PMAP_OLD);
  return n;
}

void
fakepmap_touch(struct pmap *pm, uint64 va)
{
  struct fmap *m = mapping_at(fp_of(pm), va);
  if (m)
    m->prot &= ~PMAP_OLD;
}

int
pmap_share(struct pmap *dst, struct pmap *src, uint64 start, uint64 end, int cow,
           void (*share)(uint64 pa))
{
  struct fpmap *s = fp_of(src), *d = fp_of(dst);
  for (int i = lower_bound(s, start); i < s->nmap && s->map[i].va < end; i++) {
    struct fmap *m = &s->map[i];
    if (tables_for(d, m->va) < 0)
      return -1;
    if (m->slot) {  // the child's table is another table: another slot reference
      assert(entry_at(d, m->va) == 0);
      map_set(d, m->va, 0, 0);
      *entry_at(d, m->va) = *m;
      dst->resident--;
      dst->swapped++;
      swap_ref(m->slot);
      continue;
    }
    if (cow && (m->prot & PROT_WRITE))
      m->prot = (m->prot & ~PROT_WRITE) | PMAP_COW;
    map_set(d, m->va, m->pa, m->prot);
    share(m->pa);
  }
  return 0;
}

uint64
pmap_count(struct pmap *pm, uint64 start, uint64 end)
{
  struct fpmap *fp = fp_of(pm);
  uint64 n = 0;
  for (int i = lower_bound(fp, start); i < fp->nmap && fp->map[i].va < end; i++)
    n += fp->map[i].slot == 0;
  return n;
}

uint64
pmap_count_swapped(struct pmap *pm, uint64 start, uint64 end)
{
  struct fpmap *fp = fp_of(pm);
  uint64 n = 0;
  for (int i = lower_bound(fp, start); i < fp->nmap && fp->map[i].va < end; i++)
    n += fp->map[i].slot != 0;
  return n;
}

int
pmap_protect(struct pmap *pm, uint64 start, uint64 end, int prot,
             void (*lost)(uint64 va, void *arg), void *arg)
{
  struct fpmap *fp = fp_of(pm);
  int w = prot & PROT_WRITE;
  for (int i = lower_bound(fp, start); i < fp->nmap && fp->map[i].va < end; i++) {
    struct fmap *m = &fp->map[i];
    if (m->slot)
      continue;  // a swap entry has no protection: the region's applies at swap-in
    if ((m->prot & PROT_WRITE) && !w && lost)
      lost(m->va, arg);
    int keep = w ? m->prot & (PROT_WRITE | PMAP_COW) : 0;
    m->prot = pte_prot(keep | (prot & (PROT_READ | PROT_EXEC)));
  }
  flushes++;
  return 0;
}

void
pmap_writable(struct pmap *pm, uint64 start, uint64 end, void (*fn)(uint64 va, void *arg),
              void *arg)
{
  struct fpmap *fp = fp_of(pm);
  for (int i = lower_bound(fp, start); i < fp->nmap && fp->map[i].va < end; i++)
    if (fp->map[i].slot == 0 && (fp->map[i].prot & PROT_WRITE))
      fn(fp->map[i].va, arg);
}

void
pmap_activate(struct pmap *pm)
{
  (void)fp_of(pm);
}

void
pmap_kernel_init(void)
{
}

void
pmap_kernel_activate(void)
{
}

void
pmap_flush_page(uint64 va)
{
  flushes++;
}

uint64
pmap_user_ptpages(void)
{
  return user_ptpages;
}

// ---- introspection for the harness ----

void
fakepmap_visit(struct pmap *pm, map_visit_fn fn, void *arg)
{
  for (struct fpmap *fp = live; fp; fp = fp->next) {
    if (pm && fp->pm != pm)
      continue;
    for (int i = 0; i < fp->nmap; i++)
      if (fp->map[i].slot == 0)
        fn(fp->map[i].va, fp->map[i].pa, fp->map[i].prot, arg);
  }
}

// Every live pmap's resident and swapped equal its entries: 0, or a reason.
const char *
fakepmap_counts_bad(void)
{
  for (struct fpmap *fp = live; fp; fp = fp->next) {
    uint64 res = 0, swp = 0;
    for (int i = 0; i < fp->nmap; i++) {
      swp += fp->map[i].slot != 0;
      res += fp->map[i].slot == 0;
    }
    if (fp->pm->resident != res)
      return "resident differs from the mappings";
    if (fp->pm->swapped != swp)
      return "swapped differs from the swap entries";
  }
  return 0;
}

void
fakepmap_visit_swap(void (*fn)(struct pmap *pm, uint64 va, swapslot_t slot, void *arg), void *arg)
{
  for (struct fpmap *fp = live; fp; fp = fp->next)
    for (int i = 0; i < fp->nmap; i++)
      if (fp->map[i].slot)
        fn(fp->pm, fp->map[i].va, fp->map[i].slot, arg);
}

void
fakepmap_visit_tables(void (*fn)(uint64 pa, void *arg), void *arg)
{
  for (struct fpmap *fp = live; fp; fp = fp->next) {
    fn(fp->rootpa, arg);
    for (int k = 0; k < fp->ntab; k++)
      fn(fp->tab[k].pa, arg);
  }
}

void
fakepmap_each(void (*fn)(struct aspace *as, void *arg), void *arg)
{
  for (struct fpmap *fp = live; fp; fp = fp->next)
    fn((struct aspace *)((char *)fp->pm - offsetof(struct aspace, pmap)), arg);
}

int
fakepmap_live(void)
{
  int n = 0;
  for (struct fpmap *fp = live; fp; fp = fp->next)
    n++;
  return n;
}

uint64
fakepmap_flushes(void)
{
  return flushes;
}
