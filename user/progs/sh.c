// sh: the command interpreter. Reads one command line at a time from the
// console (prompting "$ "), from a pipe, or from the file named by its
// argument; parses it into a tree (lists, '&', pipelines, subshells,
// redirections) and runs it. Builtins: cd, exit. No variables, no globbing.
#include "user.h"

#define LINEMAX 1024
#define ARENA_SIZE 32768
#define MAXREDIR 8

enum node_kind { N_EXEC, N_PIPE, N_LIST, N_BACK, N_SUB };
enum redir_kind { R_IN, R_OUT, R_APPEND };

struct redir {
  int kind;  // enum redir_kind
  char *path;
};

// One node of a parsed command line. Which fields matter depends on kind:
// N_EXEC argv/redirs; N_PIPE and N_LIST left/right (right may be 0 for a
// list); N_BACK left; N_SUB left plus redirs.
struct node {
  int kind;
  char *argv[MAXARG + 1];
  int argc;
  struct redir redirs[MAXREDIR];
  int nredir;
  struct node *left, *right;
};

// Everything parsed from one line lives in this arena, reset per line.
static char arena[ARENA_SIZE];
static int arena_used;
static int laststatus;   // exit status of the last command
static int interactive;  // reading the console: prompt, keep going

static void *
arena_alloc(int n)
{
  void *p;

  n = (n + 15) & ~15;
  if (arena_used + n > ARENA_SIZE)
    return 0;
  p = arena + arena_used;
  arena_used += n;
  memset(p, 0, n);
  return p;
}

// ---------------------------------------------------------------------------
// Tokenizer: words (with '...' "..." quoting and \ escapes) and the
// operators | ; & ( ) < > >>. '#' at the start of a word ends the line.

enum tok { T_END, T_WORD, T_PIPE, T_SEMI, T_AMP, T_LPAREN, T_RPAREN, T_LT, T_GT, T_GTGT, T_ERR };

struct lexer {
  const char *p;
  int tok;     // current token
  char *word;  // its text when T_WORD
};

static int
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_special(char c)
{
  return c == '|' || c == ';' || c == '&' || c == '(' || c == ')' || c == '<' || c == '>';
}

// Scan one word starting at lx->p into the arena. Returns 0 on an
// unterminated quote or arena exhaustion.
static char *
lex_word(struct lexer *lx)
{
  const char *p = lx->p;
  char *w = arena + arena_used;
  char *out = w, *lim = arena + ARENA_SIZE - 1;
  char q;

  while (*p && !is_space(*p) && !is_special(*p) && out < lim) {
    if (*p == '\'' || *p == '"') {
      q = *p++;
      while (*p && *p != q && out < lim) {
        if (q == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
          p++;
        *out++ = *p++;
      }
      if (*p != q)
        return 0;
      p++;
    } else if (*p == '\\' && p[1]) {
      p++;
      *out++ = *p++;
    } else {
      *out++ = *p++;
    }
  }
  if (out >= lim)
    return 0;
  *out = 0;
  arena_used = (arena_used + (out - w) + 1 + 15) & ~15;
  lx->p = p;
  return w;
}

static void
lex_next(struct lexer *lx)
{
  const char *p = lx->p;

  while (is_space(*p))
    p++;
  lx->p = p;
  lx->word = 0;
  if (*p == 0 || *p == '#') {
    lx->tok = T_END;
    return;
  }
  lx->p = p + 1;
  switch (*p) {
  case '|': lx->tok = T_PIPE; return;
  case ';': lx->tok = T_SEMI; return;
  case '&': lx->tok = T_AMP; return;
  case '(': lx->tok = T_LPAREN; return;
  case ')': lx->tok = T_RPAREN; return;
  case '<': lx->tok = T_LT; return;
  case '>':
    if (p[1] == '>') {
      lx->p = p + 2;
      lx->tok = T_GTGT;
    } else {
      lx->tok = T_GT;
    }
    return;
  }
  lx->p = p;
  lx->word = lex_word(lx);
  lx->tok = lx->word ? T_WORD : T_ERR;
}

// ---------------------------------------------------------------------------
// Parser (recursive descent):
//   list     := pipeline { (';' | '&') [pipeline] }
//   pipeline := command { '|' command }
//   command  := '(' list ')' { redir } | { word | redir }+
//   redir    := ('<' | '>' | '>>') word
// Each parse function returns 0 on a syntax error.

static struct node *parse_list(struct lexer *lx);

static struct node *
node_new(int kind)
{
  struct node *n = arena_alloc(sizeof(struct node));

  if (n)
    n->kind = kind;
  return n;
}

// Parse one redirection if the current token starts one.
// Returns 1 if consumed, 0 if none, -1 on error.
static int
parse_redir(struct lexer *lx, struct node *n)
{
  int kind;

  if (lx->tok == T_LT)
    kind = R_IN;
  else if (lx->tok == T_GT)
    kind = R_OUT;
  else if (lx->tok == T_GTGT)
    kind = R_APPEND;
  else
    return 0;
  lex_next(lx);
  if (lx->tok != T_WORD || n->nredir >= MAXREDIR)
    return -1;
  n->redirs[n->nredir].kind = kind;
  n->redirs[n->nredir].path = lx->word;
  n->nredir++;
  lex_next(lx);
  return 1;
}

static struct node *
parse_command(struct lexer *lx)
{
  struct node *n;
  int r;

  if (lx->tok == T_LPAREN) {
    lex_next(lx);
    n = node_new(N_SUB);
    if (n == 0 || (n->left = parse_list(lx)) == 0 || lx->tok != T_RPAREN)
      return 0;
    lex_next(lx);
    while ((r = parse_redir(lx, n)) == 1)
      ;
    return r < 0 ? 0 : n;
  }
  n = node_new(N_EXEC);
  if (n == 0)
    return 0;
  for (;;) {
    if (lx->tok == T_WORD) {
      if (n->argc >= MAXARG)
        return 0;
      n->argv[n->argc++] = lx->word;
      lex_next(lx);
      continue;
    }
    r = parse_redir(lx, n);
    if (r < 0)
      return 0;
    if (r == 0)
      break;
  }
  if (n->argc == 0 && n->nredir == 0)
    return 0;
  return n;
}

static struct node *
parse_pipeline(struct lexer *lx)
{
  struct node *left, *p;

  left = parse_command(lx);
  if (left == 0 || lx->tok != T_PIPE)
    return left;
  lex_next(lx);
  p = node_new(N_PIPE);
  if (p == 0)
    return 0;
  p->left = left;
  p->right = parse_pipeline(lx);
  return p->right ? p : 0;
}

static int
starts_pipeline(int tok)
{
  return tok == T_WORD || tok == T_LPAREN || tok == T_LT || tok == T_GT || tok == T_GTGT;
}

static struct node *
parse_list(struct lexer *lx)
{
  struct node *n, *l;

  n = parse_pipeline(lx);
  if (n == 0)
    return 0;
  while (lx->tok == T_SEMI || lx->tok == T_AMP) {
    if (lx->tok == T_AMP) {
      l = node_new(N_BACK);
      if (l == 0)
        return 0;
      l->left = n;
      n = l;
    }
    lex_next(lx);
    if (!starts_pipeline(lx->tok))
      break;
    l = node_new(N_LIST);
    if (l == 0)
      return 0;
    l->left = n;
    l->right = parse_pipeline(lx);
    if (l->right == 0)
      return 0;
    n = l;
  }
  return n;
}

// ---------------------------------------------------------------------------
// Execution.

static int run(struct node *n);

// Fork, reporting failure; the child gets 0.
static int
fork_or_warn(void)
{
  int pid = fork();

  if (pid < 0)
    fprintf(2, "sh: fork failed\n");
  return pid;
}

// Wait for child pid, reaping any finished background jobs on the way.
// Returns its exit status (1 if it could not be waited for).
static int
wait_for(int pid)
{
  int st, w;

  for (;;) {
    st = 0;
    w = wait(&st);
    if (w < 0)
      return 1;
    if (w == pid)
      return st;
  }
}

// There is no lseek: move fd's offset to the end by reading through it.
static void
skip_to_end(int fd)
{
  char buf[512];

  while (read(fd, buf, sizeof(buf)) > 0)
    ;
}

// Point fds 0/1 at the redirection targets. In a child only.
static int
apply_redirs(struct node *n)
{
  struct redir *r;
  int i, fd, target, mode;

  for (i = 0; i < n->nredir; i++) {
    r = &n->redirs[i];
    if (r->kind == R_IN) {
      target = 0;
      mode = O_RDONLY;
    } else if (r->kind == R_OUT) {
      target = 1;
      mode = O_WRONLY | O_CREATE | O_TRUNC;
    } else {
      target = 1;
      mode = O_RDWR | O_CREATE;
    }
    fd = open(r->path, mode);
    if (fd < 0) {
      fprintf(2, "sh: cannot open %s\n", r->path);
      return -1;
    }
    if (r->kind == R_APPEND)
      skip_to_end(fd);
    if (fd != target) {
      close(target);
      dup(fd);
      close(fd);
    }
  }
  return 0;
}

// Builtins that must run in the shell itself. Returns 1 if argv[0] was a
// builtin (status in *status).
static int
run_builtin(struct node *n, int *status)
{
  char **argv = n->argv;

  if (strcmp(argv[0], "cd") == 0) {
    const char *dir = n->argc > 1 ? argv[1] : "/";
    if (chdir(dir) < 0) {
      fprintf(2, "sh: cd: cannot cd to %s\n", dir);
      *status = 1;
    } else {
      *status = 0;
    }
    return 1;
  }
  if (strcmp(argv[0], "exit") == 0) {
    exit(n->argc > 1 ? atoi(argv[1]) : laststatus);
  }
  return 0;
}

// Run n in this (child) process and never return.
static void
run_in_child(struct node *n)
{
  char path[MAXPATH];
  int status;

  if (n->kind != N_EXEC)
    exit(run(n));
  if (apply_redirs(n) < 0)
    exit(1);
  if (n->argc == 0)
    exit(0);
  if (run_builtin(n, &status))
    exit(status);
  n->argv[n->argc] = 0;
  if (strchr(n->argv[0], '/') == 0 && strlen(n->argv[0]) + 2 <= MAXPATH) {
    // The programs live in /; look there first, then the current directory.
    path[0] = '/';
    strcpy(path + 1, n->argv[0]);
    exec(path, n->argv);
  }
  exec(n->argv[0], n->argv);
  fprintf(2, "sh: %s: not found\n", n->argv[0]);
  exit(1);
}

// Wait until every pid in pids has exited (reaping background jobs on the
// way); returns the status of pids[n-1], or 1 if it was never seen.
static int
wait_all(int *pids, int n)
{
  int st, w, i, left = n, status = 1;

  while (left > 0) {
    st = 0;
    w = wait(&st);
    if (w < 0)
      break;
    for (i = 0; i < n; i++) {
      if (pids[i] == w) {
        pids[i] = -1;
        left--;
        if (i == n - 1)
          status = st;
      }
    }
  }
  return status;
}

// Run a pipeline: every stage in its own child, connected by pipes.
// The status is the last stage's; all stages are waited for.
static int
run_pipe(struct node *n)
{
  int pids[MAXARG];
  int fds[2], pid, in = -1, nstage = 0, ok = 1;
  struct node *stage;

  for (;;) {
    int more = n->kind == N_PIPE;
    stage = more ? n->left : n;
    if (more && pipe(fds) < 0) {
      fprintf(2, "sh: pipe failed\n");
      ok = 0;
      break;
    }
    pid = nstage < MAXARG ? fork_or_warn() : -1;
    if (pid == 0) {
      if (in >= 0) {
        close(0);
        dup(in);
        close(in);
      }
      if (more) {
        close(1);
        dup(fds[1]);
        close(fds[0]);
        close(fds[1]);
      }
      run_in_child(stage);
    }
    if (in >= 0)
      close(in);
    in = -1;
    if (pid < 0) {
      if (more) {
        close(fds[0]);
        close(fds[1]);
      }
      ok = 0;
      break;
    }
    pids[nstage++] = pid;
    if (!more)
      break;
    close(fds[1]);
    in = fds[0];
    n = n->right;
  }
  if (in >= 0)
    close(in);
  if (!ok) {
    wait_all(pids, nstage);
    return 1;
  }
  return wait_all(pids, nstage);
}

// Run n from the shell process; returns its exit status.
static int
run(struct node *n)
{
  int pid, status;

  switch (n->kind) {
  case N_EXEC:
    if (n->argc > 0 && n->nredir == 0 && run_builtin(n, &status))
      return status;
    // fall through
  case N_SUB:
    pid = fork_or_warn();
    if (pid < 0)
      return 1;
    if (pid == 0) {
      if (n->kind == N_SUB) {
        if (apply_redirs(n) < 0)
          exit(1);
        exit(run(n->left));
      }
      run_in_child(n);
    }
    return wait_for(pid);
  case N_PIPE: return run_pipe(n);
  case N_LIST: laststatus = run(n->left); return n->right ? run(n->right) : laststatus;
  case N_BACK:
    pid = fork_or_warn();
    if (pid < 0)
      return 1;
    if (pid == 0)
      run_in_child(n->left);  // a simple command execs in this child
    return 0;
  }
  return 1;
}

// Parse and run one line; updates laststatus.
static void
run_line(const char *line)
{
  struct lexer lx;
  struct node *n;

  arena_used = 0;
  lx.p = line;
  lex_next(&lx);
  if (lx.tok == T_END)
    return;
  n = parse_list(&lx);
  if (n == 0 || lx.tok != T_END) {
    fprintf(2, "sh: syntax error\n");
    laststatus = 2;
    return;
  }
  laststatus = run(n);
}

// ---------------------------------------------------------------------------
// Input.

// Read one line from fd byte by byte (so children see the rest of the
// input). Returns the length, or -1 at end of input with nothing read.
static int
read_line_fd(int fd, char *buf, int max)
{
  int n = 0;
  char c;

  while (n + 1 < max) {
    if (read(fd, &c, 1) != 1) {
      if (n == 0) {
        buf[0] = 0;
        return -1;
      }
      break;
    }
    if (c == '\n')
      break;
    buf[n++] = c;
  }
  buf[n] = 0;
  return n;
}

// Read all of fd into a malloc'd NUL-terminated buffer.
static char *
slurp(int fd)
{
  char *buf = 0, *nbuf;
  int len = 0, cap = 0, k;

  for (;;) {
    if (len + 513 > cap) {
      cap = cap ? cap * 2 : 4096;
      nbuf = malloc(cap);
      if (nbuf == 0) {
        free(buf);
        return 0;
      }
      if (buf)
        memmove(nbuf, buf, len);
      free(buf);
      buf = nbuf;
    }
    k = read(fd, buf + len, 512);
    if (k <= 0)
      break;
    len += k;
  }
  buf[len] = 0;
  return buf;
}

static void
run_script(const char *text)
{
  static char line[LINEMAX];
  const char *p = text;
  int n;

  while (*p) {
    n = 0;
    while (*p && *p != '\n') {
      if (n + 1 < LINEMAX)
        line[n++] = *p;
      p++;
    }
    if (*p == '\n')
      p++;
    line[n] = 0;
    run_line(line);
  }
}

int
main(int argc, char *argv[])
{
  static char line[LINEMAX];
  struct stat st;
  char *text;
  int fd;

  if (argc > 1) {
    fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "sh: cannot open %s\n", argv[1]);
      exit(127);
    }
    text = slurp(fd);
    close(fd);
    if (text == 0) {
      fprintf(2, "sh: out of memory\n");
      exit(1);
    }
    run_script(text);
    exit(laststatus);
  }
  interactive = fstat(0, &st) == 0 && st.type == T_DEVICE;
  for (;;) {
    if (interactive)
      write(2, "$ ", 2);
    if (read_line_fd(0, line, sizeof(line)) < 0)
      break;
    run_line(line);
  }
  exit(laststatus);
}
