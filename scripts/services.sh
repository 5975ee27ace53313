#!/usr/bin/env bash
# Starts (as root, in the background) what the Docker sandbox and Slurm tests talk to:
#   dockerd, when `docker info` does not answer;
#   a one-node Slurm cluster on loopback (munged, slurmctld, slurmd), through scripts/slurm-cluster.sh.
# Usage: bash scripts/services.sh start|status
set -uo pipefail
cd "$(dirname "$0")/.."
action="${1:-start}"
rc=0

docker_up() { docker info >/dev/null 2>&1; }

if [ "$action" = start ]; then
  if command -v dockerd >/dev/null 2>&1 && ! docker_up; then
    echo "services: starting dockerd"
    mkdir -p /var/log
    (nohup dockerd >/var/log/orrery-dockerd.log 2>&1 &)
    for _ in $(seq 1 60); do docker_up && break; sleep 0.5; done
  fi
  docker_up && echo "services: docker is up" || { echo "services: docker is not running (see /var/log/orrery-dockerd.log)"; rc=1; }
  if [ -x scripts/slurm-cluster.sh ] || [ -f scripts/slurm-cluster.sh ]; then
    bash scripts/slurm-cluster.sh start || { echo "services: the Slurm cluster did not start"; rc=1; }
  fi
elif [ "$action" = status ]; then
  docker_up && echo "docker: up" || echo "docker: down"
  [ -f scripts/slurm-cluster.sh ] && bash scripts/slurm-cluster.sh status
fi
exit $rc
