// Process tests: fork/exit/wait status passing, the process-table limit,
// deep fork chains, kill of sleeping and looping children, exec with
// arguments and exec failures.
#include "harness.h"

TEST(proc_exit_status)
{
  int pid, got;

  pid = xfork();
  if (pid == 0)
    exit(42);
  CHECK(xwait(&got) == 42, "exit(42) not seen by wait");
  CHECK(got == pid, "wait returned pid %d, not %d", got, pid);

  pid = xfork();
  if (pid == 0)
    exit(0);
  CHECK(wait(0) == pid, "wait(0) did not return the child");
}

TEST(proc_wait_no_children)
{
  int status = 7;

  CHECK(wait(&status) == -1, "wait without children did not return -1");
  CHECK(status == 7, "wait without children wrote the status");
}

TEST(proc_getpid)
{
  int fds[2], pid, cpid = 0;

  CHECK(pipe(fds) == 0, "pipe");
  pid = xfork();
  if (pid == 0) {
    int me = getpid();
    write(fds[1], &me, sizeof(me));
    exit(0);
  }
  CHECK(read(fds[0], &cpid, sizeof(cpid)) == sizeof(cpid), "read pid");
  CHECK(cpid == pid, "child getpid %d, fork returned %d", cpid, pid);
  CHECK(getpid() != pid, "parent and child share a pid");
  CHECK(xwait(0) == 0, "child status");
  close(fds[0]);
  close(fds[1]);
}

// Fork until the process table is full (children block on a pipe); the
// refusal is a clean -1. Returns the number of children forked.
static int
fill_proc_table(void)
{
  int fds[2], n = 0, pid;
  char c;

  CHECK(pipe(fds) == 0, "pipe");
  for (;;) {
    pid = fork();
    if (pid < 0)
      break;
    if (pid == 0) {
      close(fds[1]);
      read(fds[0], &c, 1);  // returns 0 once the parent closes its end
      exit(0);
    }
    n++;
    CHECK(n <= NPROC, "forked %d processes, more than NPROC", n);
  }
  CHECK(pid == -1, "fork refused with %d, not -1", pid);
  struct vmstat vs;
  xvmstat(&vs);
  CHECK(vs.nproc == NPROC, "fork refused with %d of %d slots used", (int)vs.nproc, NPROC);
  close(fds[1]);
  close(fds[0]);
  for (int i = 0; i < n; i++)
    CHECK(xwait(0) == 0, "child %d status", i);
  CHECK(wait(0) == -1, "extra child after reaping %d", n);
  return n;
}

// The process table (NPROC): full, refused, and every slot back after:
// a second fill forks exactly as many children.
TEST(proc_fork_until_full)
{
  struct vmstat v0, v1;
  int n1, n2;

  xvmstat(&v0);
  n1 = fill_proc_table();
  CHECK(n1 >= NPROC / 2, "only %d forks before failure", n1);
  xvmstat(&v1);
  CHECK(v1.nproc == v0.nproc, "%d processes before, %d after", (int)v0.nproc, (int)v1.nproc);
  n2 = fill_proc_table();
  CHECK(n2 == n1, "second fill forked %d, first %d: slots lost", n2, n1);
}

// Each level forks the next and exits with its child's status plus one.
static int
chain(int depth)
{
  int pid, status;

  if (depth == 0)
    return 0;
  pid = fork();
  if (pid < 0)
    return 1000;
  if (pid == 0)
    exit(chain(depth - 1));
  if (wait(&status) != pid)
    return 2000;
  return status + 1;
}

TEST(proc_fork_chain)
{
  int depth = 40;
  int r = chain(depth);

  CHECK(r == depth, "fork chain of %d returned %d", depth, r);
}

TEST(proc_kill_sleeping)
{
  int pid = xfork(), got;

  if (pid == 0) {
    sleep(1000);
    exit(0);
  }
  sleep(2);
  CHECK(kill(pid) == 0, "kill returned error");
  CHECK(xwait(&got) == -1, "killed sleeper did not exit -1");
  CHECK(got == pid, "wrong pid");
}

TEST(proc_kill_looping)
{
  int pid = xfork();

  if (pid == 0)
    for (;;)
      ;
  sleep(2);
  CHECK(kill(pid) == 0, "kill returned error");
  CHECK(xwait(0) == -1, "killed loop did not exit -1");
}

TEST(proc_kill_bad_pid)
{
  CHECK(kill(-1) == -1, "kill(-1) succeeded");
  CHECK(kill(0) == -1, "kill(0) succeeded");
  CHECK(kill(1000000) == -1, "kill of a missing pid succeeded");
}

TEST(proc_exec_args)
{
  char buf[64];
  char *argv[] = {"echo", "hello", "lazuli", "world", 0};
  const char *out = "t_execargs";
  int st = run_to_file("/echo", argv, out);

  CHECK(st == 0, "echo exit status %d", st);
  CHECK(read_file(out, buf, sizeof(buf)) >= 0, "no output file");
  CHECK(strcmp(buf, "hello lazuli world\n") == 0, "echo wrote '%s'", buf);
  unlink(out);
}

TEST(proc_exec_missing)
{
  char *argv[] = {"nosuchprog", 0};

  CHECK(exec("/nosuchprog", argv) == -1, "exec of a missing file");
  CHECK(exec("", argv) == -1, "exec of empty path");
  CHECK(exec("/", argv) == -1, "exec of a directory");
}

TEST(proc_exec_not_elf)
{
  char *argv[] = {"t_notelf", 0};

  write_file("t_notelf", "#!/bin/sh\necho this is not an ELF file\n");
  CHECK(exec("t_notelf", argv) == -1, "exec of a text file");
  unlink("t_notelf");
}

// The process survives a failed exec with its memory intact.
TEST(proc_exec_fail_keeps_image)
{
  char *p = sbrk(8 * PGSIZE);
  char *argv[] = {"x", 0};

  pages_fill(p, 8, 0x5eed);
  CHECK(exec("/nosuchprog", argv) == -1, "exec of a missing file");
  CHECK(pages_check(p, 8, 0x5eed) == 0, "heap changed by failed exec");
}

// pause() is 2025 xv6's name for sleep(): same ticks, same kill behaviour.
TEST(proc_pause_is_sleep)
{
  int t0 = uptime(), pid;

  CHECK(pause(3) == 0, "pause(3) failed");
  CHECK(uptime() - t0 >= 3, "pause(3) returned after %d ticks", uptime() - t0);
  t0 = uptime();
  CHECK(pause(0) == 0 && pause(-5) == 0, "pause of 0 or negative ticks");
  CHECK(uptime() - t0 <= 1, "pause(-5) waited %d ticks", uptime() - t0);
  pid = xfork();
  if (pid == 0) {
    pause(1000);
    exit(0);
  }
  pause(2);
  CHECK(kill(pid) == 0, "kill");
  CHECK(xwait(0) == -1, "paused child killed: status not -1");
}
