#!/usr/bin/env bash
# Builds grading/gradescope/autograder.zip from the committed course (HEAD): setup.sh, run_autograder and course/
# without notebooks/solutions. Upload the zip as a Gradescope "Autograder" (Ubuntu base image).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
stage="$(mktemp -d)"
mkdir -p "$stage/course"
git -C "$repo" archive HEAD | tar -x -C "$stage/course"
rm -rf "$stage/course/notebooks/solutions" "$stage/course/tests/fixtures/students"
cp "$repo/grading/gradescope/setup.sh" "$repo/grading/gradescope/run_autograder" "$stage/"
chmod +x "$stage/setup.sh" "$stage/run_autograder"
rm -f "$repo/grading/gradescope/autograder.zip"
(cd "$stage" && python3 -m zipfile -c "$repo/grading/gradescope/autograder.zip" setup.sh run_autograder course)
echo "wrote $repo/grading/gradescope/autograder.zip"
