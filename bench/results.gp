# Plots bench/results.png from the data files bench/run.sh writes.
# Left: sbrk call time vs size, lazy vs eager. Right: fork+exit+wait time
# vs touched heap size, COW vs copy. Third: time per page vs working set
# (bench ws: 0.5x-2x RAM, each pass). Called as:
#   gnuplot -e "datadir='DIR'; outfile='FILE'" bench/results.gp
# Missing measurements are written as "n/a" and skipped.

set datafile missing "n/a"
set terminal pngcairo size 1800,500 font "sans,10"
set output outfile
set multiplot layout 1,3 title "Lazuli VM policies (QEMU virt)"

set key top left
set grid
set logscale xy
set xlabel "sbrk size (MiB)"
set ylabel "time of the sbrk call (µs)"
set xtics (1, 16, 64, 1024)
set xrange [0.7:1500]
set title "sbrk: lazy vs eager"
plot datadir."/sbrk.dat" using 1:($2/1000) with linespoints lw 2 pt 7 title "lazy", \
     ""                  using 1:($3/1000) with linespoints lw 2 pt 5 title "eager"

unset logscale x
set logscale y
set xlabel "touched heap of the parent (MiB)"
set ylabel "fork + exit + wait (µs)"
set xtics (0, 16, 32, 64)
set xrange [-2:66]
set title "fork: copy-on-write vs copy"
plot datadir."/fork.dat" using 1:($2/1000) with linespoints lw 2 pt 7 title "COW", \
     ""                  using 1:($3/1000) with linespoints lw 2 pt 5 title "copy"

unset logscale x
set logscale y
set xlabel "working set (x RAM)"
set ylabel "time per page (µs)"
set xtics (0.5, 1, 1.5, 2)
set xrange [0.4:2.1]
set key bottom right
set title "working set vs RAM (clock + swap)"
plot datadir."/ws.dat" using 1:($2/1000) with linespoints lw 2 pt 7 title "first pass (write)", \
     ""                using 1:($3/1000) with linespoints lw 2 pt 5 title "sequential again", \
     ""                using 1:($4/1000) with linespoints lw 2 pt 9 title "random"

unset multiplot
