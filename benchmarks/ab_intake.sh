#!/bin/bash
# Intake against a plain Note, alternating this checkout's code with another's (e.g. main's) on one
# production shape (`bin/hsq start` with HSQ_WEB_WORKERS=2), as measured for issue 14:
#
#   git archive main | tar -x -C /tmp/hsq-main   # the other code
#   BENCH=/home/frappe/hsq-bench SITE=hsq.localhost URL=http://127.0.0.1:8000 \
#     OTHER=/tmp/hsq-main ROUNDS=2 SECS=20 [TEXTS=varied] [SLICES=8] benchmarks/ab_intake.sh
#
# SLICES=N runs each code's intake and Note phases as N alternating slices (load.py --slices), which
# a wandering machine disturbs less than two phases one after the other
#
# The code is switched by pointing the bench's hsq_app.pth (and apps/hsq_app) at one checkout or
# the other and restarting gunicorn and the workers; load.py is this checkout's for both.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
B=${BENCH:?bench folder}
PTH=$(ls "$B"/env/lib/python3*/site-packages/hsq_app.pth)
CTL="supervisorctl -c $B/config/hsq/supervisord.conf"
run() { # code label
	ln -sfn "$1" "$B/apps/hsq_app"
	echo "$1" >"$PTH"
	$CTL restart web worker-short worker-default worker-long >/dev/null
	sleep 10
	# the other code's queued work (its notification jobs) done before this phase counts CPU; the
	# cached metas built again by this code (each code keeps its own things with them)
	(cd "$B/sites" && runuser -u frappe -- ../env/bin/python -c "import sys; sys.argv=['x']; sys.path.insert(0, '$here/benchmarks'); import frappe, load; frappe.init(site='${SITE:?}', sites_path='.'); frappe.connect(); load.drained(); frappe.cache.delete_value('doctype_meta')")
	echo "== $2 $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
	(cd "$B/sites" && runuser -u frappe -- ../env/bin/python "$here/benchmarks/load.py" --site "${SITE:?}" \
		--url "${URL:?}" --seconds "${SECS:-20}" --only intake,note --cpu --texts "${TEXTS:-same}" --slices "${SLICES:-1}" | grep -E "intake|Note")
}
for i in $(seq 1 "${ROUNDS:-2}"); do
	run "$here" "this$i"
	run "${OTHER:?other checkout}" "other$i"
done
ln -sfn "$here" "$B/apps/hsq_app"
echo "$here" >"$PTH"
$CTL restart web worker-short worker-default worker-long >/dev/null
