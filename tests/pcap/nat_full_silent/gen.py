#!/usr/bin/python3
# Makes in_*.pcap and expect_*.pcap for this case: nat_full_icmp's traffic.
import importlib.util, os, sys
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, ".."))
from caselib import case_here
spec = importlib.util.spec_from_file_location(
    "nat_full_icmp_gen", os.path.join(here, "..", "nat_full_icmp", "gen.py"))
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)
gen.build(case_here(), icmp=False)
