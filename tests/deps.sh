# SPDX-License-Identifier: BSD-3-Clause
# Debian packages vsw needs to build, test, demo and benchmark.
# Sourced by tests/run, demo/run and bench/run: installs what is missing.
VSW_DEPS="build-essential pkg-config meson ninja-build libdpdk-dev dpdk-dev
 libpcap-dev libmnl-dev libinih-dev libcmocka-dev python3 python3-pytest python3-scapy
 iproute2 iputils-ping iperf3 netcat-openbsd tcpdump ethtool util-linux procps
 clang libclang-rt-14-dev libmicrohttpd-dev libjansson-dev
 docker.io busybox-static podman containernetworking-plugins
 libldns-dev dnsmasq-base bind9-dnsutils dnsperf
 prometheus tshark graphviz"

vsw_install_deps() {
	local missing="" p
	for p in $VSW_DEPS "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "installing:$missing"
	# docker.io's scripts must not start a machine-wide dockerd (with
	# docker0 and iptables rules): tests start their own, see
	# tests/netns/test_docker.py
	if [ "$(id -u)" != 0 ]; then
		echo "vsw: need root to install packages (and to run vsw)" >&2
		return 1
	fi
	local made_policy=0 rc
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		made_policy=1
	fi
	apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
	rc=$?
	[ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
	return $rc
}
