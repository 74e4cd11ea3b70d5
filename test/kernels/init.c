// /init for the guest that test/kernels/run.sh boots: loads the 9p modules
// packed into the initramfs, mounts the host's / (exported read-only over
// virtio-9p) with tmpfs over the places a test writes, brings up loopback,
// runs the command from /cmd in a chroot there, prints its exit status on the
// console as RINGCORE_GUEST_EXIT=<n> and powers the guest off. Built static:
// the initramfs holds no libc.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) {
  printf("\ninit: %s: %s\nRINGCORE_GUEST_EXIT=255\n", what, strerror(errno));
  fflush(stdout);
  sync();
  reboot(RB_POWER_OFF);
  _exit(1);
}

static void must_mount(const char *src, const char *dst, const char *type, unsigned long flags, const char *data) {
  if (mount(src, dst, type, flags, data) != 0) {
    char msg[256];
    snprintf(msg, sizeof msg, "mount %s on %s", type, dst);
    die(msg);
  }
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

// The builder names the modules NN-name.ko in dependency order.
static void load_modules(void) {
  struct dirent **list;
  int n = scandir("/modules", &list, NULL, by_name);
  for (int i = 0; i < n; i++) {
    if (list[i]->d_name[0] == '.') continue;
    char path[512];
    snprintf(path, sizeof path, "/modules/%s", list[i]->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die(path);
    if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST) die(path);
    close(fd);
  }
}

static void loopback_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0) die("lo flags");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) die("lo up");
  close(s);
}

int main(void) {
  mkdir("/dev", 0755);
  mkdir("/proc", 0755);
  mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
  int con = open("/dev/console", O_RDWR);
  if (con >= 0) {
    dup2(con, 0), dup2(con, 1), dup2(con, 2);
    if (con > 2) close(con);
  }
  setvbuf(stdout, NULL, _IOLBF, 0);

  // /cmd: the working directory on its first line, the shell command after it.
  static char cmd[65536];
  int fd = open("/cmd", O_RDONLY);
  if (fd < 0) die("/cmd");
  ssize_t len = read(fd, cmd, sizeof cmd - 1);
  if (len <= 0) die("read /cmd");
  cmd[len] = 0;
  close(fd);
  char *script = strchr(cmd, '\n');
  if (!script) die("/cmd has no command line");
  *script++ = 0;

  load_modules();
  mkdir("/host", 0755);
  must_mount("host", "/host", "9p", MS_RDONLY, "trans=virtio,version=9p2000.L,msize=512000,cache=loose");
  must_mount("proc", "/host/proc", "proc", 0, NULL);
  must_mount("sysfs", "/host/sys", "sysfs", 0, NULL);
  must_mount("devtmpfs", "/host/dev", "devtmpfs", 0, NULL);
  mkdir("/host/dev/shm", 01777);
  must_mount("tmpfs", "/host/dev/shm", "tmpfs", 0, "mode=1777");
  // A working directory under /tmp (a CI checkout in mktemp's place) would be hidden by the guest's own /tmp:
  // it is kept aside and put back at the same path inside the tmpfs.
  static char place[sizeof cmd + 8];
  int under_tmp = strncmp(cmd, "/tmp/", 5) == 0;
  if (under_tmp) {
    snprintf(place, sizeof place, "/host%s", cmd);
    mkdir("/keep", 0755);
    must_mount(place, "/keep", NULL, MS_BIND, NULL);
  }
  must_mount("tmpfs", "/host/tmp", "tmpfs", 0, "mode=1777");
  if (under_tmp) {
    for (char *slash = place + strlen("/host/tmp/"); (slash = strchr(slash, '/')) != NULL; slash++) {
      *slash = 0;
      mkdir(place, 0755);
      *slash = '/';
    }
    mkdir(place, 0755);
    must_mount("/keep", place, NULL, MS_BIND, NULL);
  }
  must_mount("tmpfs", "/host/run", "tmpfs", 0, "mode=755");
  must_mount("tmpfs", "/host/root", "tmpfs", 0, "mode=700");
  loopback_up();
  if (chroot("/host") != 0 || chdir(cmd) != 0) die("chroot/chdir");

  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    char *envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "TERM=dumb",
                    "LANG=C.UTF-8", "TMPDIR=/tmp", NULL};
    execve("/bin/sh", argv, envp);
    _exit(127);
  }
  int status = 0;
  // As pid 1 this also reaps orphans; stop when the command itself ends.
  for (;;) {
    pid_t got = wait(&status);
    if (got == pid) break;
    if (got < 0 && errno != EINTR) die("wait");
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  printf("\nRINGCORE_GUEST_EXIT=%d\n", code);
  fflush(stdout);
  sync();
  reboot(RB_POWER_OFF);
  return 0;
}
