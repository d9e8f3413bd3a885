/* The pod sandbox's first process for a local cluster (registry.k8s.io/pause stand-in, built by
 * scripts/tools/cluster-images.sh with gcc -static): holds the pod's namespaces, reaps orphaned
 * children, and exits 0 on SIGINT or SIGTERM. Same behaviour as Kubernetes' build/pause/linux/pause.c. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int sig) {
  (void)sig;
  _exit(0);
}

static void on_child(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(int argc, char **argv) {
  if (argc > 1 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0)) {
    puts("pause (todo stand-in for registry.k8s.io/pause:3.10)");
    return 0;
  }
  if (getpid() != 1) fputs("Warning: pause should be the first process\n", stderr);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) return 1;
  sa.sa_handler = on_child;
  sa.sa_flags = SA_NOCLDSTOP;
  if (sigaction(SIGCHLD, &sa, NULL) < 0) return 2;

  for (;;) pause();
}
