#!/usr/bin/env bash
# Gradescope autograder set-up (runs once when the autograder image is built; Ubuntu base image, root, internet).
# The bundle holds this file, run_autograder and course/ (the course repository without notebooks/solutions).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
course="$here/course"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Jupyter's client drives the real .NET Interactive kernel; bubblewrap sandboxes the student's kernel.
apt-get install -y -qq python3-nbclient python3-jupyter-client python3-ipykernel jupyter-nbconvert bubblewrap curl ca-certificates >/dev/null
if ! command -v dotnet >/dev/null || ! dotnet --list-sdks | grep -q '^10\.'; then
  curl -sSL https://dot.net/v1/dotnet-install.sh -o /tmp/dotnet-install.sh
  bash /tmp/dotnet-install.sh --channel 10.0 --install-dir /usr/share/dotnet
  ln -sf /usr/share/dotnet/dotnet /usr/bin/dotnet
fi
cd "$course"
dotnet tool restore
dotnet build WganCourse.sln -c Release
# Warm the NuGet cache the notebooks' #r "nuget: ..." lines use, and check the kernel starts.
dotnet run --project lib/WganCourse.Runner -c Release --no-build -- selfcheck
