// A program written the way classic xv6 user programs are written (xv6's
// include lines, exit(0), wait(0), fprintf(2, ...), sbrk, fstat, dirent),
// touching every call and library function of the classic API. check.sh
// replaces only the #include lines and must build it unchanged.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/param.h"
#include "user/user.h"

char buf[512];

void
list(char *path)
{
  int fd;
  struct dirent de;
  struct stat st;

  if((fd = open(path, O_RDONLY)) < 0){
    fprintf(2, "classic: cannot open %s\n", path);
    return;
  }
  if(fstat(fd, &st) < 0 || st.type != T_DIR){
    close(fd);
    return;
  }
  while(read(fd, &de, sizeof(de)) == sizeof(de)){
    if(de.inum == 0)
      continue;
    memmove(buf, de.name, DIRSIZ);
    buf[DIRSIZ] = 0;
  }
  close(fd);
}

int
main(int argc, char *argv[])
{
  int p[2], pid, xstatus;
  char *mem, *s;
  struct stat st;
  char *args[MAXARG];

  list(".");
  if(pipe(p) < 0){
    fprintf(2, "pipe failed\n");
    exit(1);
  }
  pid = fork();
  if(pid == 0){
    close(p[0]);
    write(p[1], "hello", 5);
    exit(0);
  }
  close(p[1]);
  read(p[0], buf, sizeof(buf));
  close(p[0]);
  wait(&xstatus);
  wait(0);

  mem = sbrk(4096);
  memset(mem, 0, 4096);
  sbrk(-4096);
  s = malloc(100);
  strcpy(s, "xv6");
  if(strcmp(s, "xv6") != 0 || strlen(s) != 3 || strchr(s, 'v') == 0 ||
     memcmp(s, "xv6", 3) != 0)
    exit(1);
  memcpy(buf, s, 4);
  free(s);

  mkdir("cdir");
  chdir("cdir");
  chdir("..");
  int fd = open("cfile", O_CREATE | O_RDWR);
  int fd2 = dup(fd);
  write(fd2, "x", 1);
  close(fd2);
  close(fd);
  link("cfile", "cfile2");
  stat("cfile2", &st);
  unlink("cfile2");
  unlink("cfile");
  unlink("cdir");
  mknod("cnode", 1, 1);
  unlink("cnode");

  printf("pid %d up %d ticks %x %p %s %c\n", getpid(), uptime(), 255, (void*)mem, "ok", 'c');
  sleep(1);
  gets(buf, 2);
  if(atoi("42") != 42)
    exit(1);
  if(argc > 1 && fork() == 0){
    args[0] = "echo";
    args[1] = 0;
    exec("echo", args);
    exit(1);
  }
  kill(-1);
  exit(0);
}
