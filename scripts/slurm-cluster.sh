#!/usr/bin/env bash
# A one-node Slurm cluster on loopback for the Slurm tests, the benches and the E2E: munged, slurmctld and slurmd,
# run as root, with their state, spool and logs in $ORRERY_SLURM_DIR (default /tmp/orrery-slurm).
# Usage: bash scripts/slurm-cluster.sh start|stop|status
#   start   idempotent: starts what is not running, waits until the node answers `sinfo` as idle.
#   stop    stops the three daemons this script started (by the pids in their pid files).
#   status  prints each daemon's state and `sinfo`; exits 1 when the cluster does not answer.
# The configuration follows /work/shared/ENVIRONMENT.md: no cgroups, no accounting store (sacct has nothing to read;
# Orrery follows jobs through squeue and the job's exit file). /etc/slurm/slurm.conf points at our file so that
# sbatch, squeue and scancel find it without SLURM_CONF, also in an SSH session on the loopback login node; an
# existing slurm.conf that this script did not write is left alone and the script stops with a message.
set -uo pipefail

action="${1:-status}"
dir="${ORRERY_SLURM_DIR:-/tmp/orrery-slurm}"
conf="$dir/etc/slurm.conf"
host="$(hostname -s)"
ctld_port="${ORRERY_SLURMCTLD_PORT:-16817}"
slurmd_port="${ORRERY_SLURMD_PORT:-16818}"
marker="# written by orrery scripts/slurm-cluster.sh"

die() { echo "slurm-cluster: $*" >&2; exit 1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_config() {
  mkdir -p "$dir/etc" "$dir/state" "$dir/spool" "$dir/log" "$dir/run" "$dir/munge"
  local cpus mem
  cpus="$(nproc)"
  # Leave the machine some memory: the node advertises 3/4 of it (MiB), at least 1000.
  mem="$(awk '/MemTotal/ { m = int($2 / 1024 * 3 / 4); print (m < 1000 ? 1000 : m) }' /proc/meminfo)"
  cat >"$conf" <<EOF
$marker
ClusterName=orrery
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Memory limits are enforced by polling the job's RSS (no cgroups here): a job over its --mem is killed.
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
MaxArraySize=10001
MaxJobCount=100000
DefMemPerCPU=100
SchedulerParameters=sched_interval=1,bf_interval=1
MessageTimeout=10
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
EOF
  echo "CgroupPlugin=cgroup/v1" >"$dir/etc/cgroup.conf"
  link_system_config
}

# sbatch & co read /etc/slurm/slurm.conf; point it at ours unless someone else's file is there.
link_system_config() {
  mkdir -p /etc/slurm
  if [ -e /etc/slurm/slurm.conf ] && ! grep -q "$marker" /etc/slurm/slurm.conf 2>/dev/null; then
    die "/etc/slurm/slurm.conf exists and was not written by this script; move it away to use the test cluster"
  fi
  ln -sfn "$conf" /etc/slurm/slurm.conf
  ln -sfn "$dir/etc/cgroup.conf" /etc/slurm/cgroup.conf
}

start_munge() {
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
  [ -f /etc/munge/munge.key ] || { mkdir -p /etc/munge; dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2>/dev/null; }
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null
  chmod 0700 /etc/munge; chmod 0400 /etc/munge/munge.key
  if id munge >/dev/null 2>&1; then
    su -s /bin/sh munge -c "munged --force" || die "munged did not start (see /var/log/munge/munged.log)"
  else
    munged --force || die "munged did not start"
  fi
  for _ in $(seq 1 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "munge does not answer after starting munged"
}

node_ready() {
  local state
  state="$(sinfo -h -N -o '%T' 2>/dev/null | head -1)"
  case "$state" in idle*|mix*|alloc*|allocated*) return 0 ;; *) return 1 ;; esac
}

start() {
  command -v slurmctld >/dev/null || die "slurm-wlm is not installed (apt-get install -y slurm-wlm munge)"
  [ "$(id -u)" = 0 ] || die "run as root: slurmctld and slurmd run as root here"
  write_config
  start_munge
  if ! alive "$dir/run/slurmctld.pid"; then
    slurmctld -f "$conf" || die "slurmctld did not start (see $dir/log/slurmctld.log)"
  fi
  for _ in $(seq 1 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
  if ! alive "$dir/run/slurmd.pid"; then
    slurmd -f "$conf" || die "slurmd did not start (see $dir/log/slurmd.log)"
  fi
  for _ in $(seq 1 150); do
    if node_ready; then echo "slurm-cluster: up (node $host, state in $dir)"; return 0; fi
    # A node left DOWN by an earlier unclean stop comes back with an explicit resume.
    sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(down|drain)' && scontrol update nodename="$host" state=resume 2>/dev/null
    sleep 0.2
  done
  sinfo -N 2>&1 >&2
  die "the node did not become idle (see $dir/log/slurmd.log and $dir/log/slurmctld.log)"
}

stop_daemon() {
  local pidfile="$1"
  if alive "$pidfile"; then
    local pid; pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  fi
}

stop() {
  stop_daemon "$dir/run/slurmd.pid"
  stop_daemon "$dir/run/slurmctld.pid"
  echo "slurm-cluster: stopped (munged left running)"
}

status() {
  local ok=0
  alive "$dir/run/slurmctld.pid" && echo "slurmctld: up" || { echo "slurmctld: down"; ok=1; }
  alive "$dir/run/slurmd.pid" && echo "slurmd: up" || { echo "slurmd: down"; ok=1; }
  munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && echo "munged: up" || { echo "munged: down"; ok=1; }
  [ "$ok" = 0 ] && sinfo -N 2>/dev/null
  return $ok
}

case "$action" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: slurm-cluster.sh start|stop|status" ;;
esac
