using Splash.Verification;

namespace Splash.Radiosity;

/// <summary>
/// Verifies a RADIOSITY run against the original's results (<see cref="RadiosityReference"/>): 364 patches;
/// at one worker (deterministic) iterations, elements, interactions and their visibility classes equal to the
/// original's and every iteration's total energy within <see cref="EnergyTolerance"/>; with more workers (the
/// refinement order varies) elements, interactions, iterations and the converged energy within the original's band.
/// Every run: no interaction left
/// without a visibility and each element's count equal to its list (checked when the statistics are counted). An input
/// without the original's results fails verification: structural checks alone do not show that a run is right.
/// </summary>
public static class RadiosityVerifier
{
    /// <summary>Relative agreement of the one-thread energy trace (printed to 0.01 of values around 1e7).</summary>
    public const double EnergyTolerance = 1e-6;
    public static CheckList Verify(RadiosityInput input, RadiosityRun run)
    {
        var checks = new CheckList();
        var s = run.Statistics;
        var reference = RadiosityReference.For(input);
        if (reference is null)
        {
            checks.Add("reference", false, $"no reference results for input {input.Name} (only the paper's and the base input have the original's): the run cannot be verified");
            return checks;
        }
        checks.Equal("patches", s.Patches, reference.Statistics.Patches);
        if (run.Workers == 1)
        {
            checks.Equal("iterations", run.Iterations, reference.Iterations);
            checks.Equal("elements", s.Elements, reference.Statistics.Elements);
            checks.Equal("interactions", s.Interactions, reference.Statistics.Interactions);
            checks.Add("visibility classes", s.Visible == reference.Statistics.Visible && s.Invisible == reference.Statistics.Invisible,
                $"visible/invisible/partial {s.Visible}/{s.Invisible}/{s.PartiallyVisible} vs {reference.Statistics.Visible}/{reference.Statistics.Invisible}/{reference.Statistics.PartiallyVisible}");
            var energy = new WorstError("energy trace", EnergyTolerance, relative: true);
            if (run.Trace.Count != reference.EnergyTrace.Count)
                checks.Add("energy trace", false, $"{run.Trace.Count} convergence checks vs {reference.EnergyTrace.Count}");
            else
            {
                for (int i = 0; i < run.Trace.Count; i++)
                {
                    energy.Add($"iteration {i} R", run.Trace[i].TotalEnergy.R, reference.EnergyTrace[i].R);
                    energy.Add($"iteration {i} G", run.Trace[i].TotalEnergy.G, reference.EnergyTrace[i].G);
                    energy.Add($"iteration {i} B", run.Trace[i].TotalEnergy.B, reference.EnergyTrace[i].B);
                }
                energy.Into(checks);
            }
            return checks;
        }
        var band = reference.ParallelBand;
        checks.Within("elements", s.Elements, band.MinElements, band.MaxElements, band.Source);
        checks.Within("interactions", s.Interactions, band.MinInteractions, band.MaxInteractions, band.Source);
        checks.Within("iterations", run.Iterations, band.MinIterations, band.MaxIterations, band.Source);
        var last = run.Trace.Count > 0 ? run.Trace[^1].TotalEnergy : default;
        checks.Within("converged energy", (double)last.R + last.G + last.B, band.MinEnergy, band.MaxEnergy, band.Source);
        return checks;
    }
}
