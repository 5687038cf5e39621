namespace Experiments.Tests;

/// <summary>
/// A stand-in for the C twin (a POSIX shell script): it answers every run with as many samples as its arguments ask for
/// (-c's cores for shm, one fewer for msg, times -r's repetitions; every client and SHM sample <see cref="Cycles"/>,
/// one server sample <see cref="ServerCycles"/>, no disturbance) and its check line is "args: " and the arguments it got,
/// so that the run fails its check and the row's note shows how the twin was called.
/// </summary>
public static class EchoTwin
{
    public const double Cycles = 1e6, ServerCycles = 1e15;

    /// <summary>Writes the script into a fresh temporary folder and returns its path.</summary>
    public static string Create()
    {
        string path = Path.Combine(TestCores.TempDir(), "echo_twin");
        File.WriteAllText(path, $$"""
            #!/bin/sh
            all="$*"
            mode=$1
            shift
            while [ $# -gt 0 ]; do
              case $1 in
                -a|-k) shift ;;
                -c) cores=$2; shift 2 ;;
                -r) reps=$2; shift 2 ;;
                *) shift 2 ;;
              esac
            done
            n=$(echo "$cores" | tr ',' '\n' | wc -l)
            [ "$mode" = msg ] && n=$((n - 1))
            count=$((n * reps))
            list() { i=0; while [ $i -lt $count ]; do printf ' %s' "$1"; i=$((i + 1)); done; echo; }
            printf 'twin fig1\nmarch test-arch\ncompiler gcc test\n'
            printf 'cycles_per_update'; list {{Cycles}}
            printf 'disturbed'; list 0
            printf 'client_cycles_per_update'; list {{Cycles}}
            printf 'client_disturbed'; list 0
            echo "server_cycles_per_update {{ServerCycles}}"
            echo "check args: $all"

            """);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
