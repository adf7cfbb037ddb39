// The tests of pmaptest (aspace.c, fault.c, frame.c over the real Sv39
// pmap.c), in the order common/runner.c runs them.
#include "types.h"
#include "lib/klib.h"
#include "harness.h"

#define TESTS(X)                                                                                   \
  X(pt_kernel_half)                                                                                \
  X(pt_pte_bits)                                                                                   \
  X(pt_tables_counted)                                                                             \
  X(pt_oom_tables)                                                                                 \
  X(pt_share_whole_table)                                                                          \
  X(pt_own_oom)                                                                                    \
  X(pt_slot_verbs)                                                                                 \
  X(pt_access_verbs)                                                                               \
  X(pt_shootdown)                                                                                  \
  X(share_whole_spans_cow)                                                                         \
  X(share_child_write_owns)                                                                        \
  X(share_read_fault_owns)                                                                         \
  X(share_partial_spans_copied)                                                                    \
  X(share_mixed_spans)                                                                             \
  X(share_readonly_span)                                                                           \
  X(share_three_generations)                                                                       \
  X(share_three_generations_written)                                                               \
  X(share_parent_exit_child_reuses)                                                                \
  X(share_copy_fork_of_shared)                                                                     \
  X(share_sbrk_shrink_cuts_shared)                                                                 \
  X(share_sbrk_shrink_oom)                                                                         \
  X(share_cow_fault_oom)                                                                           \
  X(share_clone_oom_sweep)                                                                         \
  X(share_across_gigabyte)                                                                         \
  X(share_empty_table)                                                                             \
  X(swap_entry_verbs)                                                                              \
  X(swap_share_whole_table)                                                                        \
  X(swap_share_partial)                                                                            \
  X(swap_fork_cow)                                                                                 \
  X(swap_fork_copy)                                                                                \
  X(swap_fork_oom_sweep)                                                                           \
  X(real_random_ops)                                                                               \
  X(swapin_roundtrip)                                                                              \
  X(swapin_not_eligible)                                                                           \
  X(swapin_oom_keeps_entry)                                                                        \
  X(swapin_io_errors)                                                                              \
  X(swapin_uaccess_backs_off)                                                                      \
  X(swapin_fork_unmap_exit)                                                                        \
  X(swapin_madvise)

SUITE(TESTS, 4096);  // 16 MiB of fake RAM
