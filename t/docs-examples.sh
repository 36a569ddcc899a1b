#!/bin/sh
# docs-examples - every mail server, delivery agent and wrapper set-up that
# README.md and the man pages show is a file of packaging/examples/, quoted
# as it is (or plainly marked an untested sketch); every dkimpipe.conf
# section they show names only options its program takes; and every file
# of packaging/examples/ is explained in the docs and run by a t/mta-*
# test. The rules and how a block is read are in t/docs-examples.py.
. "$(dirname "$0")/lib.sh"

py=$(t_find_python3 re) || skip_all "python3 not found (apt-get install python3)"
exec "$py" "$t_dir/docs-examples.py" "$top_srcdir" "$top_builddir"
