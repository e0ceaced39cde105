/**
 * The shell scripts the SSH launcher runs on remote hosts (POSIX sh; run as `sh -c SCRIPT`).
 * They hold no secret: secrets arrive on the script's standard input, never in its arguments,
 * so `ps` on either host shows none. Every line the launcher reads back starts with `MARK`.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell text

export const MARK = 'rushnet-ssh:';

/**
 * `own PID ID`: true when PID is alive (not a zombie) and is the leader of worker ID: its
 * arguments hold `rushnet-worker-ID` (START_SCRIPT names it so), so a reused pid is never
 * mistaken for the worker.
 */
const OWN = [
  `say() { printf '${MARK}%s\\n' "$*"; }`,
  'own() {',
  '  command -v ps >/dev/null 2>&1 || { kill -0 "$1" 2>/dev/null; return; }',
  '  case $(ps -ww -o stat= -o args= -p "$1" 2>/dev/null) in',
  '    Z*|"") return 1 ;;',
  '    *"rushnet-worker-$2 "* | *"rushnet-worker-$2") return 0 ;;',
  '  esac',
  '  return 1',
  '}',
];

/**
 * Starts workers. Arguments: `1|0` (supervise), the worker command (shell text), the command
 * name to look up on PATH ('' to skip). Standard input, one item a line:
 *   `E NAME=value`   an environment variable for the workers (exported, never printed)
 *   `G`              go: check the command (after PATH may have been set by an E line)
 *   `W 'id' 'messageDir' 'outputDir' 'arg'…`   start one worker (words shell-quoted)
 *   `.`              end of the list
 * Each worker runs in its own session and process group (setsid), with stdin from /dev/null
 * and its output in the log files or /dev/null. Prints `started ID PID` per worker, then
 * `ready`. Supervised, it then waits for the end of its standard input (the manager's
 * process, or the connection, is gone) and kills the workers it started.
 */
export const START_SCRIPT = [
  ...OWN,
  'sup=$1 cmd=$2 chk=$3 s= started=',
  'while IFS= read -r l; do',
  '  case $l in',
  '    "E "*) export "${l#E }" || { say bad-env; exit 97; } ;;',
  '    G)',
  '      if [ -n "$chk" ]; then',
  '        command -v "$chk" >/dev/null 2>&1 || { say "missing $PATH"; exit 127; }',
  '      fi',
  '      command -v setsid >/dev/null 2>&1 && s=setsid ;;',
  '    "W "*)',
  '      eval "set -- ${l#W }"',
  '      id=$1 e=/dev/null o=/dev/null',
  '      if [ -n "$2" ]; then',
  '        [ -d "$2" ] || { say "nodir messageLog $2"; exit 98; }',
  '        e="$2/message_$id.log"',
  '      fi',
  '      if [ -n "$3" ]; then',
  '        [ -d "$3" ] || { say "nodir outputLog $3"; exit 98; }',
  '        o="$3/output_$id.log"',
  '      fi',
  '      shift 3',
  '      $s sh -c "$cmd \\"\\$@\\"" "rushnet-worker-$id" "$@" </dev/null >>"$o" 2>>"$e" &',
  '      started="$started $!:$id"',
  '      say "started $id $!" ;;',
  '    .) break ;;',
  '  esac',
  'done',
  'say ready',
  '[ "$sup" = 1 ] || exit 0',
  'while IFS= read -r l; do :; done',
  'for w in $started; do',
  '  own "${w%%:*}" "${w#*:}" && { kill -KILL -"${w%%:*}" || kill -KILL "${w%%:*}"; }',
  'done 2>/dev/null',
].join('\n');

/** Arguments: PID ID pairs. Prints `alive ID` or `dead ID` for each. */
export const PROBE_SCRIPT = [
  ...OWN,
  'while [ $# -ge 2 ]; do',
  '  if own "$1" "$2"; then say "alive $2"; else say "dead $2"; fi',
  '  shift 2',
  'done',
].join('\n');

/**
 * Arguments: PID:ID words. SIGKILLs each worker's process group, waits (at most about 10 s)
 * until none is left, then prints `killed` (or `survived ID…`).
 */
export const KILL_SCRIPT = [
  ...OWN,
  'for w in "$@"; do',
  '  own "${w%%:*}" "${w#*:}" && { kill -KILL -"${w%%:*}" || kill -KILL "${w%%:*}"; }',
  'done 2>/dev/null',
  'i=0',
  'while :; do',
  '  left=',
  '  for w in "$@"; do own "${w%%:*}" "${w#*:}" && left="$left ${w#*:}"; done',
  '  [ -z "$left" ] && { say killed; exit 0; }',
  '  [ $i -ge 100 ] && { say "survived$left"; exit 0; }',
  '  i=$((i + 1))',
  '  sleep 0.1',
  'done',
].join('\n');
