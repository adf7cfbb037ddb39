// Shell tests: run "sh script" with stdout captured in a file and check
// echo, pipelines, < > >> redirection, ';' lists, exit statuses of
// true/false/exit and of missing commands.
#include "harness.h"

static char shout[512];

// Run script text with /sh; capture its output in shout; return status.
static int
sh_run(const char *script)
{
  char *argv[] = {"sh", "t_script", 0};
  int st;

  write_file("t_script", script);
  st = run_to_file("/sh", argv, "t_shout");
  CHECK(read_file("t_shout", shout, sizeof(shout)) >= 0, "no output file");
  unlink("t_script");
  unlink("t_shout");
  return st;
}

TEST(shell_echo)
{
  CHECK(sh_run("echo hi\n") == 0, "status");
  CHECK(strcmp(shout, "hi\n") == 0, "output '%s'", shout);
}

TEST(shell_pipeline)
{
  CHECK(sh_run("echo a b c | wc\n") == 0, "status");
  CHECK(strcmp(shout, "1 3 6\n") == 0, "output '%s'", shout);
  CHECK(sh_run("echo one two | cat | cat | wc\n") == 0, "status");
  CHECK(strcmp(shout, "1 2 8\n") == 0, "3-stage output '%s'", shout);
}

TEST(shell_redirection)
{
  CHECK(sh_run("echo hello > t_shr\necho more >> t_shr\ncat < t_shr\n") == 0, "status");
  CHECK(strcmp(shout, "hello\nmore\n") == 0, "output '%s'", shout);
  CHECK(sh_run("wc < t_shr > t_shr2\ncat t_shr2\n") == 0, "status");
  CHECK(strcmp(shout, "2 2 11\n") == 0, "output '%s'", shout);
  unlink("t_shr");
  unlink("t_shr2");
  CHECK(sh_run("cat < t_shr_missing\n") != 0, "redirect from a missing file");
}

TEST(shell_list)
{
  CHECK(sh_run("echo one; echo two ; echo three\n") == 0, "status");
  CHECK(strcmp(shout, "one\ntwo\nthree\n") == 0, "output '%s'", shout);
}

TEST(shell_exit_status)
{
  CHECK(sh_run("true\n") == 0, "true: nonzero status");
  CHECK(sh_run("false\n") == 1, "false: status not 1");
  CHECK(sh_run("false; true\n") == 0, "false; true: status of the list");
  CHECK(sh_run("true; false\n") == 1, "true; false: status of the list");
  CHECK(sh_run("exit 3\necho not reached\n") == 3, "exit 3");
  CHECK(shout[0] == 0, "ran past exit: '%s'", shout);
}

TEST(shell_missing_command)
{
  int st = sh_run("nosuchcmd\necho after\n");

  CHECK(st == 0, "status %d after a later good command", st);
  CHECK(contains(shout, "after\n"), "shell stopped: '%s'", shout);
  CHECK(sh_run("nosuchcmd\n") != 0, "missing command gave status 0");
}
