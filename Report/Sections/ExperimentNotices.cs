using Report.Html;

namespace Report.Sections;

/// <summary>What an experiment says about itself: an incomplete run's missing points, and the notes in its meta.json.</summary>
public static class ExperimentNotices
{
    public static void Incomplete(HtmlWriter w, ExperimentResult e)
    {
        if (!e.IsIncomplete) return;
        w.Open("div", "warning")
            .Labelled("Incomplete run:", $"{e.Directory}/meta.json has Status \"{e.Meta.Status}\"; "
                + (e.Rows.Count == 0 ? "no point was measured." : $"{e.Rows.Count} row(s) were written (failed and skipped rows included), these points were not:"));
        if (e.Meta.Incomplete.Count > 0) w.List(e.Meta.Incomplete);
        else w.P("(meta.json lists no missing points)");
        w.Close("div");
    }

    /// <summary>The experiment's own notes (meta.json), collapsed; the HTML only (print hides it).</summary>
    public static void Notes(HtmlWriter w, ExperimentResult e)
    {
        if (e.Meta.Notes.Count == 0) return;
        w.Raw("<details class=\"notes\"><summary>").Text($"Notes from the experiment ({e.Meta.Notes.Count})").Raw("</summary>\n");
        w.List(e.Meta.Notes);
        w.Raw("</details>\n");
    }

    public static void Provenance(HtmlWriter w, ExperimentResult e) => w.P(ProvenanceText(e), "muted");

    public static string ProvenanceText(ExperimentResult e) =>
        $"Run: profile '{e.Meta.Profile}', cores {e.Meta.CoresUsed}, started {e.Meta.Started:u}"
        + (e.Meta.Finished is { } f ? $", finished {f:u}" : ", not finished")
        + $"; command: {e.Meta.Command}";
}
