# Sourced by the install scripts (make deps-*): apt_install TAG PACKAGE... installs Debian
# packages as root, or stops saying how to install them where it cannot.
apt_install() {
  local tag=$1
  shift
  command -v apt-get >/dev/null || { echo "$tag: install $* (Debian/Ubuntu packages) yourself: no apt-get here" >&2; exit 1; }
  if [[ $(id -u) -ne 0 ]]; then
    echo "$tag: run as root, or: sudo apt-get install -y $*" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "$@"
}
