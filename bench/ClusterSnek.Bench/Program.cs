using System.Diagnostics;
using ClusterSnek.Pipeline;

// Engine overhead per target: a run of N no-op targets (a chain, then a fan-out), minus nothing —
// everything the engine does per target (planning, scheduling, output scope, pipeline.json write) is in the number.
var root = new AbsolutePath(Directory.CreateTempSubdirectory("clustersnek-bench-").FullName);
(root / ".nuke").CreateDirectory();
foreach (var (name, targets) in new[] { ("chain of 100", new[] { "T99" }), ("chain of 100 + a target joining all", new[] { "All" }) })
{
    var samples = new List<double>();
    for (var i = 0; i < 6; i++)
    {
        var clock = Stopwatch.StartNew();
        var exit = PipelineBuild.Execute(new Hundred(), targets, TextWriter.Null, _ => null, null, root);
        clock.Stop();
        if (exit != 0) throw new InvalidOperationException($"bench run failed with {exit}");
        if (i > 0) samples.Add(clock.Elapsed.TotalMilliseconds); // the first run warms the JIT
    }
    samples.Sort();
    var median = samples[samples.Count / 2];
    Console.WriteLine($"{name}: median {median:0.0} ms per run, {median / 101:0.00} ms per target");
}
Directory.Delete(root, recursive: true);

/// <summary>101 no-op targets: T0..T99 in a chain, and All depending on every one of them (generated text, kept literal).</summary>
sealed class Hundred : PipelineBuild
{
    public Hundred() => MaxParallel = 2;
    public Target T0 => _ => _.Executes(() => { });
    public Target T1 => _ => _.DependsOn(T0).Executes(() => { });
    public Target T2 => _ => _.DependsOn(T1).Executes(() => { });
    public Target T3 => _ => _.DependsOn(T2).Executes(() => { });
    public Target T4 => _ => _.DependsOn(T3).Executes(() => { });
    public Target T5 => _ => _.DependsOn(T4).Executes(() => { });
    public Target T6 => _ => _.DependsOn(T5).Executes(() => { });
    public Target T7 => _ => _.DependsOn(T6).Executes(() => { });
    public Target T8 => _ => _.DependsOn(T7).Executes(() => { });
    public Target T9 => _ => _.DependsOn(T8).Executes(() => { });
    public Target T10 => _ => _.DependsOn(T9).Executes(() => { });
    public Target T11 => _ => _.DependsOn(T10).Executes(() => { });
    public Target T12 => _ => _.DependsOn(T11).Executes(() => { });
    public Target T13 => _ => _.DependsOn(T12).Executes(() => { });
    public Target T14 => _ => _.DependsOn(T13).Executes(() => { });
    public Target T15 => _ => _.DependsOn(T14).Executes(() => { });
    public Target T16 => _ => _.DependsOn(T15).Executes(() => { });
    public Target T17 => _ => _.DependsOn(T16).Executes(() => { });
    public Target T18 => _ => _.DependsOn(T17).Executes(() => { });
    public Target T19 => _ => _.DependsOn(T18).Executes(() => { });
    public Target T20 => _ => _.DependsOn(T19).Executes(() => { });
    public Target T21 => _ => _.DependsOn(T20).Executes(() => { });
    public Target T22 => _ => _.DependsOn(T21).Executes(() => { });
    public Target T23 => _ => _.DependsOn(T22).Executes(() => { });
    public Target T24 => _ => _.DependsOn(T23).Executes(() => { });
    public Target T25 => _ => _.DependsOn(T24).Executes(() => { });
    public Target T26 => _ => _.DependsOn(T25).Executes(() => { });
    public Target T27 => _ => _.DependsOn(T26).Executes(() => { });
    public Target T28 => _ => _.DependsOn(T27).Executes(() => { });
    public Target T29 => _ => _.DependsOn(T28).Executes(() => { });
    public Target T30 => _ => _.DependsOn(T29).Executes(() => { });
    public Target T31 => _ => _.DependsOn(T30).Executes(() => { });
    public Target T32 => _ => _.DependsOn(T31).Executes(() => { });
    public Target T33 => _ => _.DependsOn(T32).Executes(() => { });
    public Target T34 => _ => _.DependsOn(T33).Executes(() => { });
    public Target T35 => _ => _.DependsOn(T34).Executes(() => { });
    public Target T36 => _ => _.DependsOn(T35).Executes(() => { });
    public Target T37 => _ => _.DependsOn(T36).Executes(() => { });
    public Target T38 => _ => _.DependsOn(T37).Executes(() => { });
    public Target T39 => _ => _.DependsOn(T38).Executes(() => { });
    public Target T40 => _ => _.DependsOn(T39).Executes(() => { });
    public Target T41 => _ => _.DependsOn(T40).Executes(() => { });
    public Target T42 => _ => _.DependsOn(T41).Executes(() => { });
    public Target T43 => _ => _.DependsOn(T42).Executes(() => { });
    public Target T44 => _ => _.DependsOn(T43).Executes(() => { });
    public Target T45 => _ => _.DependsOn(T44).Executes(() => { });
    public Target T46 => _ => _.DependsOn(T45).Executes(() => { });
    public Target T47 => _ => _.DependsOn(T46).Executes(() => { });
    public Target T48 => _ => _.DependsOn(T47).Executes(() => { });
    public Target T49 => _ => _.DependsOn(T48).Executes(() => { });
    public Target T50 => _ => _.DependsOn(T49).Executes(() => { });
    public Target T51 => _ => _.DependsOn(T50).Executes(() => { });
    public Target T52 => _ => _.DependsOn(T51).Executes(() => { });
    public Target T53 => _ => _.DependsOn(T52).Executes(() => { });
    public Target T54 => _ => _.DependsOn(T53).Executes(() => { });
    public Target T55 => _ => _.DependsOn(T54).Executes(() => { });
    public Target T56 => _ => _.DependsOn(T55).Executes(() => { });
    public Target T57 => _ => _.DependsOn(T56).Executes(() => { });
    public Target T58 => _ => _.DependsOn(T57).Executes(() => { });
    public Target T59 => _ => _.DependsOn(T58).Executes(() => { });
    public Target T60 => _ => _.DependsOn(T59).Executes(() => { });
    public Target T61 => _ => _.DependsOn(T60).Executes(() => { });
    public Target T62 => _ => _.DependsOn(T61).Executes(() => { });
    public Target T63 => _ => _.DependsOn(T62).Executes(() => { });
    public Target T64 => _ => _.DependsOn(T63).Executes(() => { });
    public Target T65 => _ => _.DependsOn(T64).Executes(() => { });
    public Target T66 => _ => _.DependsOn(T65).Executes(() => { });
    public Target T67 => _ => _.DependsOn(T66).Executes(() => { });
    public Target T68 => _ => _.DependsOn(T67).Executes(() => { });
    public Target T69 => _ => _.DependsOn(T68).Executes(() => { });
    public Target T70 => _ => _.DependsOn(T69).Executes(() => { });
    public Target T71 => _ => _.DependsOn(T70).Executes(() => { });
    public Target T72 => _ => _.DependsOn(T71).Executes(() => { });
    public Target T73 => _ => _.DependsOn(T72).Executes(() => { });
    public Target T74 => _ => _.DependsOn(T73).Executes(() => { });
    public Target T75 => _ => _.DependsOn(T74).Executes(() => { });
    public Target T76 => _ => _.DependsOn(T75).Executes(() => { });
    public Target T77 => _ => _.DependsOn(T76).Executes(() => { });
    public Target T78 => _ => _.DependsOn(T77).Executes(() => { });
    public Target T79 => _ => _.DependsOn(T78).Executes(() => { });
    public Target T80 => _ => _.DependsOn(T79).Executes(() => { });
    public Target T81 => _ => _.DependsOn(T80).Executes(() => { });
    public Target T82 => _ => _.DependsOn(T81).Executes(() => { });
    public Target T83 => _ => _.DependsOn(T82).Executes(() => { });
    public Target T84 => _ => _.DependsOn(T83).Executes(() => { });
    public Target T85 => _ => _.DependsOn(T84).Executes(() => { });
    public Target T86 => _ => _.DependsOn(T85).Executes(() => { });
    public Target T87 => _ => _.DependsOn(T86).Executes(() => { });
    public Target T88 => _ => _.DependsOn(T87).Executes(() => { });
    public Target T89 => _ => _.DependsOn(T88).Executes(() => { });
    public Target T90 => _ => _.DependsOn(T89).Executes(() => { });
    public Target T91 => _ => _.DependsOn(T90).Executes(() => { });
    public Target T92 => _ => _.DependsOn(T91).Executes(() => { });
    public Target T93 => _ => _.DependsOn(T92).Executes(() => { });
    public Target T94 => _ => _.DependsOn(T93).Executes(() => { });
    public Target T95 => _ => _.DependsOn(T94).Executes(() => { });
    public Target T96 => _ => _.DependsOn(T95).Executes(() => { });
    public Target T97 => _ => _.DependsOn(T96).Executes(() => { });
    public Target T98 => _ => _.DependsOn(T97).Executes(() => { });
    public Target T99 => _ => _.DependsOn(T98).Executes(() => { });
    public Target All => _ => _.DependsOn(T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23, T24, T25, T26, T27, T28, T29, T30, T31, T32, T33, T34, T35, T36, T37, T38, T39, T40, T41, T42, T43, T44, T45, T46, T47, T48, T49, T50, T51, T52, T53, T54, T55, T56, T57, T58, T59, T60, T61, T62, T63, T64, T65, T66, T67, T68, T69, T70, T71, T72, T73, T74, T75, T76, T77, T78, T79, T80, T81, T82, T83, T84, T85, T86, T87, T88, T89, T90, T91, T92, T93, T94, T95, T96, T97, T98, T99).Executes(() => { });
}
