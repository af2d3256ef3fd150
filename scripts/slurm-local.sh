#!/usr/bin/env bash
# slurm-local.sh — a real single-node Slurm cluster on localhost, for integration tests.
#
# Usage (as root, Debian 12 / Slurm 22.05 from Debian's packages):
#   scripts/slurm-local.sh install             # apt-get the packages if missing (idempotent, quiet)
#   scripts/slurm-local.sh start  STATE_DIR    # config + munged (if needed) + slurmctld + slurmd,
#                                              # waits until the node is idle; prints
#                                              # `export SLURM_CONF=...` on stdout, writes STATE_DIR/env.sh
#   scripts/slurm-local.sh stop   STATE_DIR    # cancels our cluster's jobs, stops only the daemons
#                                              # whose pid files are in STATE_DIR (munged only if we started it)
#   scripts/slurm-local.sh status STATE_DIR    # exit 0 iff `sinfo` answers for this cluster
#
#   eval "$(scripts/slurm-local.sh start /tmp/slurm)"   # or: . /tmp/slurm/env.sh
#   sbatch --array=0-3 job.sh ; ... ; scripts/slurm-local.sh stop /tmp/slurm
#
# Everything Slurm writes lives under STATE_DIR: etc/slurm.conf (used via SLURM_CONF and
# `-f`, so /etc/slurm is never touched), state/ (StateSaveLocation), spool/ (SlurmdSpoolDir),
# log/, and the pid files slurmctld.pid, slurmd.pid, munged.pid (the latter only if we
# started munged). Diagnostics go to stderr; stdout carries only the export line(s).
#
# Environment knobs: SLURM_LOCAL_TIMEOUT (seconds to wait for an idle node, default 30),
# SLURM_LOCAL_CTLD_PORT / SLURM_LOCAL_SLURMD_PORT (default 6817 / 6818).
#
# Behaviour worth knowing:
#  - `start` twice: if both daemons from STATE_DIR's pid files are alive (checked via
#    /proc/PID/comm and that their command line names our slurm.conf) and sinfo answers,
#    it just prints the environment again. Otherwise (killed run, stale pid files, one
#    daemon gone) it stops whatever of ours is still alive, wipes state/ and spool/, and
#    starts from scratch (slurmctld -c: no old jobs are recovered; the previous run's logs
#    are kept as log/*.log.prev).
#  - `stop` TERMs slurmd, slurmctld and (if the record says we started it) munged at once,
#    waits for them to exit (KILL after 15 s). Processes are identified only via our pid
#    files, never by name.
#
# Pitfalls hit / guarded against:
#  - No systemd as PID 1: package postinst scripts do not start anything, and nothing
#    creates /run/munge. We create it (munge:munge, 0755) and run munged as the munge user.
#    munged is shared machine-wide (socket /run/munge/munge.socket.2): if one already
#    answers we reuse it and never stop it.
#  - Munge key: Debian's munge package creates /etc/munge/munge.key; if missing we create
#    one with mungekey. munged is strict about ownership/permissions, so the key is set to
#    munge:munge 0400 and its dirs to what the package uses (/etc/munge 0700).
#  - NodeName must equal `hostname -s`, SlurmctldHost too (slurmctld only runs on the host
#    named there). Addresses are pinned to 127.0.0.1 so name resolution of the
#    host name does not matter; slurmd gets -N explicitly.
#  - Node CPUs/RealMemory must not exceed what `slurmd -C` reports, else the node goes
#    INVAL+DRAIN ("Low socket*core*thread count, Low CPUs") and never becomes idle. CPUs =
#    nproc (run without OMP_NUM_THREADS, which GNU nproc obeys), capped at slurmd -C;
#    RealMemory = half of what slurmd -C sees. `start` fails fast on INVAL.
#  - No cgroups: ProctrackType=proctrack/linuxproc, TaskPlugin=task/none, so no
#    cgroup.conf is needed (cgroup plugins were not tried: no systemd to delegate them).
#  - Default batch_sched_delay makes every scheduling round take ~3 s: set to 0. Even so,
#    slurmctld's first scheduling pass comes ~3 s after it starts, and after that jobs are
#    allocated on a ~1 s tick: a 4-task array + dependent merge takes 2-5 s end to end.
#  - Accounting is off (accounting_storage/none), so no sacct: poll `squeue -h -j ID`
#    until empty, then read `scontrol show job ID` (kept MinJobAge=600 s).
#  - Plain afterok on a failing array leaves the dependent pending forever
#    (DependencyNeverSatisfied): submit dependents with --kill-on-invalid-dep=yes.
#  - slurmd logs PMIx errors, slurmctld "No such file" for state files on a clean start:
#    harmless.
#  - Ports 6817/6818 must be free; another cluster on them makes start fail loudly. A second
#    cluster on other ports (SLURM_LOCAL_*_PORT) works, but reuses the munged that the
#    first one started: stop the first one last.
#  - Each daemon takes 1-2 s to exit on TERM (slurmctld saves state, munged lingers ~2 s),
#    so they are stopped in parallel. Running jobs are scancel'led first: a job's
#    slurmstepd (and the job) outlives a TERMed slurmd. If slurmd died mid-job anyway,
#    `stop`/`start` KILL the slurmstepd processes that hold STATE_DIR/log/slurmd.log open
#    (that is how they are recognised as this cluster's) together with their descendants.
#  - A daemon killed with -9 leaves its pid file (and munged its socket/lock); `start`
#    checks /proc/PID/comm + cmdline, so a stale or reused pid is never signalled.
set -euo pipefail

PKGS=(slurmctld slurmd slurm-client munge)
TIMEOUT="${SLURM_LOCAL_TIMEOUT:-30}"
CTLD_PORT="${SLURM_LOCAL_CTLD_PORT:-6817}"
SLURMD_PORT="${SLURM_LOCAL_SLURMD_PORT:-6818}"
MUNGE_SOCKET=/run/munge/munge.socket.2

log() { printf 'slurm-local: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '2,/^# Everything/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---------------------------------------------------------------- install
cmd_install() {
  local missing=() p
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    log "packages already installed"
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || die "installing packages needs root"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  local out
  out="$(mktemp)"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$out" 2>&1; then
    cat "$out" >&2
    rm -f "$out"
    die "apt-get failed"
  fi
  rm -f "$out"
}

# ---------------------------------------------------------------- helpers
set_paths() {
  [ $# -ge 1 ] && [ -n "$1" ] || usage
  STATE_DIR="$(realpath -m -- "$1")"
  CONF_DIR="$STATE_DIR/etc"
  CONF="$CONF_DIR/slurm.conf"
  CTLD_PID="$STATE_DIR/slurmctld.pid"
  SLURMD_PID="$STATE_DIR/slurmd.pid"
  MUNGED_PID="$STATE_DIR/munged.pid"   # exists only if *we* started munged
  NODE="$(hostname -s)"
  export SLURM_CONF="$CONF"
}

# pid_of FILE COMM_PREFIX [CMDLINE_MUST_CONTAIN] -> prints the pid if the file names a live
# process of that kind (and, if given, whose command line contains the string).
pid_of() {
  local file="$1" comm="$2" needle="${3:-}" pid c
  [ -s "$file" ] || return 1
  pid="$(tr -dc '0-9' <"$file")"
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
  c="$(cat "/proc/$pid/comm" 2>/dev/null)" || return 1
  case "$c" in "$comm"*) ;; *) return 1 ;; esac
  if [ -n "$needle" ]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$needle" || return 1
  fi
  printf '%s\n' "$pid"
}

ctld_pid()   { pid_of "$CTLD_PID" slurmctld "$CONF"; }
slurmd_pid() { pid_of "$SLURMD_PID" slurmd "$CONF"; }
munged_pid() { pid_of "$MUNGED_PID" munged; }

munge_ok() { munge -n -S "$MUNGE_SOCKET" 2>/dev/null | unmunge -S "$MUNGE_SOCKET" >/dev/null 2>&1; }

sinfo_ok() { [ -f "$CONF" ] && timeout 15 sinfo -h >/dev/null 2>&1; }

# stop_pids NAME=PID...: TERM them all at once (each takes 1-2 s to shut down), wait up
# to 15 s, then KILL whatever is left.
stop_pids() {
  local arg pids=() i left
  [ $# -gt 0 ] || return 0
  for arg in "$@"; do
    log "stopping ${arg%%=*} (pid ${arg#*=})"
    kill -TERM "${arg#*=}" 2>/dev/null || true
    pids+=("${arg#*=}")
  done
  for i in $(seq 1 200); do
    left=""
    for arg in "${pids[@]}"; do [ -d "/proc/$arg" ] && left="$left $arg"; done
    [ -z "$left" ] && return 0
    [ "$i" -eq 150 ] && { log "pid(s)$left did not exit after 15 s; sending KILL"; kill -KILL $left 2>/dev/null || true; }
    sleep 0.1
  done
  die "pid(s)$left survived KILL"
}

# Job step daemons (slurmstepd) of *this* cluster that outlived slurmd (e.g. slurmd was killed
# mid-job, so scancel cannot reach them). Ours = comm slurmstepd holding our slurmd.log open.
# Prints their pids and those of all their descendants (the job's processes).
orphan_steps() {
  local d pid f out=""
  for d in /proc/[0-9]*; do
    pid="${d#/proc/}"
    [ "$(cat "$d/comm" 2>/dev/null)" = slurmstepd ] || continue
    for f in "$d"/fd/*; do
      if [ "$(readlink "$f" 2>/dev/null)" = "$STATE_DIR/log/slurmd.log" ]; then
        out="$out $pid"
        break
      fi
    done
  done
  [ -n "$out" ] || return 0
  # add descendants
  local tree frontier next p
  tree="$(ps -e -o pid=,ppid=)"
  frontier="$out"
  while [ -n "$frontier" ]; do
    next=""
    for p in $frontier; do
      next="$next $(awk -v pp="$p" '$2 == pp {print $1}' <<<"$tree" | tr '\n' ' ')"
    done
    next="$(echo $next)"
    out="$out $next"
    frontier="$next"
  done
  echo $out
}

kill_orphan_steps() {
  local pids p i
  pids="$(orphan_steps)"
  [ -n "$pids" ] || return 0
  log "killing leftover job steps of this cluster and their processes: $pids"
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null || true
  for i in $(seq 1 50); do
    local left=""
    for p in $pids; do [ -d "/proc/$p" ] && left="$left $p"; done
    [ -z "$left" ] && return 0
    sleep 0.1
  done
  log "warning: pid(s)$left still present"
}

port_busy() {
  command -v ss >/dev/null 2>&1 || return 1
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

print_env() {
  printf 'export SLURM_CONF=%q\n' "$CONF" >"$STATE_DIR/env.sh"
  cat "$STATE_DIR/env.sh"
}

# ---------------------------------------------------------------- munge
ensure_munge() {
  local pid
  if munge_ok; then
    if pid="$(munged_pid)"; then
      log "munged already running (pid $pid, started by us earlier)"
    else
      rm -f "$MUNGED_PID"
      log "munged already running (not ours; will not stop it)"
    fi
    return 0
  fi
  rm -f "$MUNGED_PID"
  local key=/etc/munge/munge.key
  install -d -o munge -g munge -m 0700 /etc/munge
  if [ ! -s "$key" ]; then
    log "creating munge key $key"
    mungekey --create --keyfile="$key" 2>/dev/null || dd if=/dev/urandom of="$key" bs=128 count=1 status=none
  fi
  chown munge:munge "$key"
  chmod 0400 "$key"
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0711 /var/lib/munge
  install -d -o munge -g munge -m 0700 /var/log/munge
  # A killed munged leaves its socket, lock and pid file behind; nothing answered on the
  # socket (checked above), so they are stale.
  rm -f "$MUNGE_SOCKET" "$MUNGE_SOCKET.lock" /run/munge/munged.pid
  log "starting munged"
  runuser -u munge -- /usr/sbin/munged --socket="$MUNGE_SOCKET" --pid-file=/run/munge/munged.pid
  local i
  pid=""
  for i in $(seq 1 100); do
    if [ -s /run/munge/munged.pid ] && munge_ok; then
      pid="$(tr -dc '0-9' </run/munge/munged.pid)"
      break
    fi
    sleep 0.1
  done
  [ -n "$pid" ] || { tail -n 20 /var/log/munge/munged.log >&2 2>/dev/null || true; die "munged did not come up"; }
  printf '%s\n' "$pid" >"$MUNGED_PID"
  log "munged up (pid $pid)"
}

# ---------------------------------------------------------------- config
write_config() {
  local cpus hw hw_cpus mem_total mem
  # GNU nproc honours OMP_NUM_THREADS/OMP_THREAD_LIMIT: ignore them, and never exceed what
  # slurmd detects (more CPUs than the hardware => node state INVAL, "Low CPUs").
  cpus="$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)"
  hw="$(slurmd -C 2>/dev/null | head -n1 || true)"
  hw_cpus="$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$hw")"
  if [ -n "$hw_cpus" ] && [ "$hw_cpus" -lt "$cpus" ]; then cpus="$hw_cpus"; fi
  mem_total="$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")"
  [ -n "$mem_total" ] || mem_total="$(awk '/^MemTotal:/ {print int($2/1024)}' /proc/meminfo)"
  mem=$((mem_total / 2))
  [ "$mem" -ge 1 ] || mem=1
  mkdir -p "$CONF_DIR" "$STATE_DIR/state" "$STATE_DIR/spool" "$STATE_DIR/log"
  cat >"$CONF.tmp" <<EOF
# Written by scripts/slurm-local.sh — a private single-node test cluster.
ClusterName=localci
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
MinJobAge=600
KillWait=2
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
MailProg=/bin/true
PlugStackConfig=$CONF_DIR/plugstack.conf
StateSaveLocation=$STATE_DIR/state
SlurmdSpoolDir=$STATE_DIR/spool
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$STATE_DIR/log/slurmctld.log
SlurmdLogFile=$STATE_DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$NODE NodeHostname=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$CONF.tmp" "$CONF"
  : >"$CONF_DIR/plugstack.conf"
}

# ---------------------------------------------------------------- start / stop / status
# stop_ours [with-munged]: stop the slurm daemons named by our pid files (and munged, if
# asked and if we started it).
stop_ours() {
  local pid args=()
  if pid="$(slurmd_pid)"; then args+=("slurmd=$pid"); fi
  if pid="$(ctld_pid)"; then args+=("slurmctld=$pid"); fi
  if [ "${1:-}" = with-munged ] && pid="$(munged_pid)"; then args+=("munged=$pid"); fi
  stop_pids "${args[@]}"
  kill_orphan_steps
  rm -f "$SLURMD_PID" "$CTLD_PID"
  [ "${1:-}" = with-munged ] && rm -f "$MUNGED_PID"
  return 0
}

wait_idle() {
  local deadline state="" last="" t0="$SECONDS"
  deadline=$((SECONDS + TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    state="$(timeout 10 sinfo -h -N -n "$NODE" -o '%T' 2>/dev/null | head -n1 || true)"
    case "$state" in
      idle|mixed|allocated) return 0 ;;
      inval*)
        log "node is $state (config does not match hardware): $(scontrol show node "$NODE" 2>/dev/null | grep -o 'Reason=.*' || true)"
        break
        ;;
      drain*|down*|fail*)
        [ "$state" = "$last" ] || log "node is $state: $(scontrol show node "$NODE" 2>/dev/null | grep -o 'Reason=.*' || true)"
        ;;
    esac
    last="$state"
    if ! ctld_pid >/dev/null; then break; fi
    if ! slurmd_pid >/dev/null; then break; fi
    sleep 0.2
  done
  log "node not idle after $((SECONDS - t0))s (timeout ${TIMEOUT}s; state: ${state:-no answer})"
  log "--- slurmctld.log"; tail -n 30 "$STATE_DIR/log/slurmctld.log" >&2 2>/dev/null || true
  log "--- slurmd.log"; tail -n 30 "$STATE_DIR/log/slurmd.log" >&2 2>/dev/null || true
  return 1
}

cmd_start() {
  set_paths "$@"
  [ "$(id -u)" -eq 0 ] || die "start needs root (SlurmUser=root, munged as munge)"
  mkdir -p "$STATE_DIR"
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sinfo >/dev/null \
    && command -v munged >/dev/null || die "Slurm/munge not installed: run '$0 install' first"

  if ctld_pid >/dev/null && slurmd_pid >/dev/null && sinfo_ok; then
    log "already running ($STATE_DIR)"
    print_env
    return 0
  fi

  # Fresh start: stop any half-alive daemons of ours, drop stale pid files and state.
  stop_ours
  rm -rf "$STATE_DIR/state" "$STATE_DIR/spool"
  local f
  for f in "$STATE_DIR"/log/*.log; do
    if [ -f "$f" ]; then mv -f "$f" "$f.prev"; fi
  done
  local port
  for port in "$CTLD_PORT" "$SLURMD_PORT"; do
    if port_busy "$port"; then
      ss -Hltnp "sport = :$port" >&2 2>/dev/null || true
      die "port $port is already in use (another Slurm?); set SLURM_LOCAL_CTLD_PORT/SLURM_LOCAL_SLURMD_PORT"
    fi
  done

  ensure_munge
  write_config

  log "starting slurmctld"
  slurmctld -c -f "$CONF" || die "slurmctld failed to start; see $STATE_DIR/log/slurmctld.log"
  log "starting slurmd"
  slurmd -f "$CONF" -N "$NODE" || die "slurmd failed to start; see $STATE_DIR/log/slurmd.log"
  # Both daemonize; their pid files appear shortly after.
  local i
  for i in $(seq 1 50); do
    ctld_pid >/dev/null && slurmd_pid >/dev/null && break
    sleep 0.1
  done
  wait_idle || { stop_ours with-munged; die "cluster did not come up"; }
  log "up: slurmctld pid $(ctld_pid), slurmd pid $(slurmd_pid), node $NODE idle"
  print_env
}

cmd_stop() {
  set_paths "$@"
  if ctld_pid >/dev/null && sinfo_ok; then
    # Jobs of this private cluster are ours: cancel them so no slurmstepd outlives slurmd.
    local jobs i
    jobs="$(timeout 10 squeue -h -o '%A' 2>/dev/null || true)"
    if [ -n "$jobs" ]; then
      log "cancelling jobs: $(echo $jobs)"
      # shellcheck disable=SC2086
      timeout 10 scancel $jobs 2>/dev/null || true
      for i in $(seq 1 50); do
        [ -z "$(timeout 10 squeue -h -o '%A' 2>/dev/null || true)" ] && break
        sleep 0.2
      done
    fi
  fi
  stop_ours with-munged
  log "stopped ($STATE_DIR)"
}

cmd_status() {
  set_paths "$@"
  if sinfo_ok; then
    sinfo >&2 || true
    return 0
  fi
  log "not answering ($STATE_DIR)"
  return 1
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start)   shift; cmd_start "$@" ;;
  stop)    shift; cmd_stop "$@" ;;
  status)  shift; cmd_status "$@" ;;
  *) usage ;;
esac
