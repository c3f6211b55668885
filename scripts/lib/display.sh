# Sourced by scripts/e2e.sh and scripts/app-startup-bench.sh: a virtual X display for the desktop app, and the
# clean-up of every process the calling script started.
#
#   start_background CMD...   runs CMD in its own process group and remembers it (its pid is in $last_pid)
#   start_xvfb                starts Xvfb on a free display and exports DISPLAY_FOR_APP (e.g. ":90")
# On exit (or Ctrl-C) every remembered process group is stopped, newest first.

started_pids=()

stop_started() {
    for ((i = ${#started_pids[@]} - 1; i >= 0; i--)); do
        kill -- "-${started_pids[$i]}" 2>/dev/null || kill "${started_pids[$i]}" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap stop_started EXIT INT TERM

start_background() {
    setsid "$@" &
    last_pid=$!
    started_pids+=("$last_pid")
}

start_xvfb() {
    local n
    DISPLAY_FOR_APP=""
    for n in $(seq 90 130); do
        if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then
            DISPLAY_FOR_APP=":$n"
            break
        fi
    done
    if [ -z "$DISPLAY_FOR_APP" ]; then
        echo "no free X display between :90 and :130" >&2
        exit 1
    fi
    start_background Xvfb "$DISPLAY_FOR_APP" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1
    for _ in $(seq 1 50); do
        [ -e "/tmp/.X11-unix/X${DISPLAY_FOR_APP#:}" ] && return 0
        sleep 0.1
    done
    echo "Xvfb did not start on $DISPLAY_FOR_APP" >&2
    exit 1
}
