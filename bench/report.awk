# Turns the results of bench/run.sh (one tab-separated line per run) into one table per
# section (protocol + pinned/unpinned): medians over the rounds, and each figure as a ratio
# to raw hyper in the same round and section, summarised as the median of those ratios.
#
#   awk -f bench/report.awk bench/results/<time>.tsv
#
# Raw hyper runs first ("hyper") and last ("hyper-last") in every section of every round;
# a round's reference is the mean of the two, so drift within a section moves the ratios of
# the servers in the middle less than either run alone would. Written for POSIX awk (mawk).

BEGIN {
    FS = "\t"
    # Metrics 1-7 are columns 5-11 of the file; 8 and 9 are derived per run below.
    nmetric = split("5 6 7 8 9 10 11", column, " ")
    RPS = 1; P50 = 2; P99 = 3; CPU = 4; RSS = 5; THREADS = 6; LOADGEN = 7
    SERVER_CORES = 8; LOADGEN_CORES = 9
}

/^# machine: / { split($0, words, " "); machine_cores = words[3] + 0 }
/^#/ || $1 == "round" || NF < 13 { next }

{
    s = $3 "-" $2
    if (!(s in nservers)) { sections[++nsections] = s; nservers[s] = 0; nrounds[s] = 0 }
    if (!((s, $4) in known)) { known[s, $4] = 1; servers[s, ++nservers[s]] = $4 }
    if (!((s, $1) in has_round)) { has_round[s, $1] = 1; rounds[s, ++nrounds[s]] = $1 }
    for (m = 1; m <= nmetric; m++)
        if ($(column[m]) ~ /^[0-9.]+$/) v[s, $4, $1, m] = $(column[m]) + 0
    # Cores busy during the run: CPU per request times requests per second.
    if ((s, $4, $1, CPU) in v && (s, $4, $1, RPS) in v)
        v[s, $4, $1, SERVER_CORES] = v[s, $4, $1, CPU] * v[s, $4, $1, RPS] / 1e6
    if ((s, $4, $1, LOADGEN) in v && (s, $4, $1, RPS) in v)
        v[s, $4, $1, LOADGEN_CORES] = v[s, $4, $1, LOADGEN] * v[s, $4, $1, RPS] / 1e6
    # Neither side had its share of the CPU: something else on the machine took it. (The load
    # generator is one thread: at a core it is the limit; else the server should be.)
    if ((s, $4, $1, SERVER_CORES) in v && (s, $4, $1, LOADGEN_CORES) in v) {
        server_cores = v[s, $4, $1, SERVER_CORES]; loadgen_cores = v[s, $4, $1, LOADGEN_CORES]
        if (loadgen_cores < 0.9 && (s ~ /-pinned$/ ? server_cores < 0.9 \
                : machine_cores && server_cores + loadgen_cores < 0.9 * machine_cores))
            starved[s]++
    }
    errors[s, $4] += $13
    if ($14 != "") {
        separator = ((s, $4) in notes) ? ";" : ""
        notes[s, $4] = notes[s, $4] separator sprintf(" round %s: %s", $1, $14)
    }
}

# Median of list[1..n] ("" for none).
function median(list, n,    a, i, j, t) {
    if (n == 0) return ""
    for (i = 1; i <= n; i++) a[i] = list[i]
    for (i = 2; i <= n; i++) {
        t = a[i]
        for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
        a[j + 1] = t
    }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

# Raw hyper's figure for metric m in round r of section s: the mean of its runs ("" if none).
function reference(s, r, m,    n, sum) {
    n = 0; sum = 0
    if ((s, "hyper", r, m) in v) { sum += v[s, "hyper", r, m]; n++ }
    if ((s, "hyper-last", r, m) in v) { sum += v[s, "hyper-last", r, m]; n++ }
    return n ? sum / n : ""
}

# Fills vals[1..nvals] with server a's metric m per round of section s, and ratios[1..nratios]
# with that divided by b's figure in the same round (b: "ref" for raw hyper's reference);
# by_round[1..rounds_gathered] holds each round's ratio, "" where there is none.
function gather(s, a, m, b,    i, r, x, y) {
    split("", vals); split("", ratios); nvals = 0; nratios = 0
    rounds_gathered = nrounds[s]
    for (i = 1; i <= nrounds[s]; i++) {
        by_round[i] = ""
        r = rounds[s, i]
        if (!((s, a, r, m) in v)) continue
        x = v[s, a, r, m]
        vals[++nvals] = x
        if (b == "ref") y = reference(s, r, m)
        else y = ((s, b, r, m) in v) ? v[s, b, r, m] : ""
        if (y != "" && y > 0) by_round[i] = ratios[++nratios] = x / y
    }
}

# x in format, or "-" as wide as the format's width when x is missing.
function fmt(format, x,    width) {
    if (x != "") return sprintf(format, x)
    width = match(format, /^%[0-9]+/) ? substr(format, 2, RLENGTH - 1) : ""
    return sprintf("%" width "s", "-")
}

# The ratios of the last gather(), one per round, as "0.95 - 0.93" ("-": no figure that round).
function ratio_list(    i, out) {
    out = ""
    for (i = 1; i <= rounds_gathered; i++) out = out (i > 1 ? " " : "") fmt("%.2f", by_round[i])
    return out
}

function title(s,    protocol, mode) {
    protocol = s ~ /^h1-/ ? "HTTP/1.1 keep-alive, wrk" : "HTTP/2 cleartext (h2c), h2load"
    mode = s ~ /-pinned$/ ? "pinned: server on one core, load generator on another" \
                          : "unpinned: server and load generator share every core"
    return protocol "; " mode
}

function section_table(s,    i, a, m, median_value, median_ratio, cell, line, cores, bound) {
    print ""
    printf "%s (%d round%s)\n", title(s), nrounds[s], nrounds[s] == 1 ? "" : "s"
    printf "%-15s %8s %6s %7s %6s %7s %6s %7s %6s %7s %6s %4s %11s %5s\n", "server", "req/s", "vs hy", \
        "p50 ms", "vs hy", "p99 ms", "vs hy", "CPU us", "vs hy", "RSS MiB", "vs hy", "thr", "cores s+lg", "err"
    bound = ""
    for (i = 1; i <= nservers[s]; i++) {
        a = servers[s, i]
        line = sprintf("%-15s", a)
        for (m = RPS; m <= RSS; m++) {
            gather(s, a, m, "ref")
            median_value = median(vals, nvals)
            median_ratio = median(ratios, nratios)
            if (m == RPS) cell = fmt("%8.0f", median_value)
            else if (m == CPU) cell = fmt("%7.2f", median_value)
            else if (m == RSS) cell = fmt("%7.1f", median_value == "" ? "" : median_value / 1024)
            else cell = fmt("%7.2f", median_value)
            line = line sprintf(" %s %6s", cell, fmt("%.2f", median_ratio))
        }
        gather(s, a, THREADS, "ref")
        line = line sprintf(" %4s", fmt("%.0f", median(vals, nvals)))
        gather(s, a, SERVER_CORES, "ref")
        cores = fmt("%.2f", median(vals, nvals))
        gather(s, a, LOADGEN_CORES, "ref")
        cores = cores "+" fmt("%.2f", median(vals, nvals))
        if (nvals && median(vals, nvals) >= 0.95) bound = bound " " a
        line = line sprintf(" %11s %5d", cores, errors[s, a])
        print line
    }

    print "Per round: req/s vs hyper | CPU us/req vs hyper"
    for (i = 1; i <= nservers[s]; i++) {
        a = servers[s, i]
        gather(s, a, RPS, "ref"); line = sprintf("  %-15s %s", a, ratio_list())
        gather(s, a, CPU, "ref"); print line " | " ratio_list()
    }
    if (nservers[s] && (s, "hyper-last") in known) {
        gather(s, "hyper-last", RPS, "hyper"); line = ratio_list() " (median " fmt("%.2f", median(ratios, nratios)) ")"
        gather(s, "hyper-last", CPU, "hyper")
        printf "Noise control, hyper-last / hyper per round: req/s %s | CPU us/req %s (median %s)\n", \
            line, ratio_list(), fmt("%.2f", median(ratios, nratios))
    }
    if ((s, "gateway-routed") in known && (s, "gateway-sync") in known) {
        gather(s, "gateway-routed", RPS, "gateway-sync"); line = fmt("%.3f", median(ratios, nratios))
        gather(s, "gateway-routed", CPU, "gateway-sync")
        printf "Routing through 100 routes, gateway-routed / gateway-sync: req/s %s, CPU us/req %s\n", \
            line, fmt("%.3f", median(ratios, nratios))
    }
    if (starved[s])
        printf "Busy machine: in %d run(s) neither the server nor the load generator got its CPU;\n" \
            "req/s and latency then say little, CPU us/req holds best.\n", starved[s]
    if (bound != "")
        print "Load generator at >= 95% of its core for:" bound ";\n" \
            "those runs measure it as much as the server: compare CPU us/req."
    for (i = 1; i <= nservers[s]; i++)
        if ((s, servers[s, i]) in notes) print "Note, " servers[s, i] ":" notes[s, servers[s, i]]
}

# One line per server: its req/s and CPU us/req ratios to raw hyper in every section, the
# shape of the headline table.
function summary(    k, s, i, a, n, order, line, rps_ratio) {
    n = 0
    for (k = 1; k <= nsections; k++)
        for (i = 1; i <= nservers[sections[k]]; i++) {
            a = servers[sections[k], i]
            if (a == "hyper-last" || a in listed) continue
            listed[a] = 1; order[++n] = a
        }
    print ""
    print "Summary: per section, req/s and CPU us/req as medians of per-round ratios to raw hyper"
    line = sprintf("%-15s", "server")
    for (k = 1; k <= nsections; k++) line = line sprintf(" | %-18s", sections[k])
    print line
    for (i = 1; i <= n; i++) {
        line = sprintf("%-15s", order[i])
        for (k = 1; k <= nsections; k++) {
            s = sections[k]
            if (!((s, order[i]) in known)) { line = line sprintf(" | %-18s", "-"); continue }
            gather(s, order[i], RPS, "ref"); rps_ratio = median(ratios, nratios)
            gather(s, order[i], CPU, "ref")
            line = line sprintf(" | req %4s  CPU %4s", fmt("%.2f", rps_ratio), fmt("%.2f", median(ratios, nratios)))
        }
        print line
    }
}

END {
    if (nsections == 0) { print "no runs in the results file"; exit 1 }
    print ""
    print "Medians over the rounds. \"vs hy\": the median over the rounds of (the figure / raw hyper's"
    print "in the same round and section), raw hyper's being the mean of its first and last run."
    print "CPU us: the server's CPU time (user + system, all threads) per request. RSS: peak (VmHWM)."
    print "thr: the server's threads at the end of the run. cores s+lg: CPU cores kept busy by the"
    print "server and by the load generator. err: socket errors and non-2xx answers, summed."
    for (k = 1; k <= nsections; k++) section_table(sections[k])
    summary()
}
