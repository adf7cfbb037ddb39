// grep PATTERN [FILE...]: print lines matching a simple regular
// expression: literal characters, '.' any character, 'c*' zero or more
// of c, '^' anchors at the start, '$' at the end. Exit 0 iff a line matched.
#include "user.h"

static int match_here(const char *re, const char *s);

// Does c* followed by re match at the start of s (shortest first)?
static int
match_star(char c, const char *re, const char *s)
{
  for (;;) {
    if (match_here(re, s))
      return 1;
    if (*s == 0 || (c != '.' && *s != c))
      return 0;
    s++;
  }
}

// Does re match at the start of s?
static int
match_here(const char *re, const char *s)
{
  for (;;) {
    if (re[0] == 0)
      return 1;
    if (re[1] == '*')
      return match_star(re[0], re + 2, s);
    if (re[0] == '$' && re[1] == 0)
      return *s == 0;
    if (*s == 0 || (re[0] != '.' && re[0] != *s))
      return 0;
    re++;
    s++;
  }
}

// Does re match anywhere in s?
static int
match(const char *re, const char *s)
{
  if (re[0] == '^')
    return match_here(re + 1, s);
  do {
    if (match_here(re, s))
      return 1;
  } while (*s++ != 0);
  return 0;
}

static char buf[4096];

// Print the lines of fd that match re; returns the number printed.
static int
grep_fd(const char *re, int fd)
{
  int n, len = 0, found = 0;
  char *line, *nl;

  while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
    len += n;
    buf[len] = 0;
    line = buf;
    while ((nl = strchr(line, '\n')) != 0) {
      *nl = 0;
      if (match(re, line)) {
        *nl = '\n';
        write(1, line, nl + 1 - line);
        found++;
      }
      line = nl + 1;
    }
    len -= line - buf;
    if (len == sizeof(buf) - 1) {
      // An overlong line: judge what we have as one line.
      if (match(re, buf)) {
        write(1, buf, len);
        write(1, "\n", 1);
        found++;
      }
      len = 0;
    } else if (len > 0) {
      memmove(buf, line, len);
    }
  }
  if (len > 0) {
    // Last line without a newline.
    buf[len] = 0;
    if (match(re, buf)) {
      buf[len] = '\n';
      write(1, buf, len + 1);
      found++;
    }
  }
  return found;
}

int
main(int argc, char *argv[])
{
  int i, fd, found = 0, err = 0;

  if (argc < 2) {
    fprintf(2, "usage: grep pattern [file...]\n");
    return 2;
  }
  if (argc == 2)
    return grep_fd(argv[1], 0) > 0 ? 0 : 1;
  for (i = 2; i < argc; i++) {
    fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "grep: cannot open %s\n", argv[i]);
      err = 1;
      continue;
    }
    found += grep_fd(argv[1], fd);
    close(fd);
  }
  if (found > 0)
    return 0;
  return err ? 2 : 1;
}
