using Experiments.Common;

namespace Experiments.Tests;

/// <summary>
/// How a core list is written into notes, headers and meta.json's coresUsed: in the order it was given, since the
/// programs give roles by position (Fig 1's server and Fig 3's initiator on the first core, the k-core point on the first
/// k), and compactly where consecutive cores follow each other.
/// </summary>
public class CoreListFormatTests
{
    [Theory]
    [InlineData(new[] { 0, 1, 2, 3, 8 }, "0-3,8")]
    [InlineData(new[] { 1, 0 }, "1,0")]
    [InlineData(new[] { 4, 5, 0, 1 }, "4-5,0-1")]
    [InlineData(new[] { 7 }, "7")]
    [InlineData(new[] { 3, 2, 1 }, "3,2,1")]
    public void AListIsWrittenInTheOrderGivenWithRunsOfConsecutiveCoresCompact(int[] cores, string expected) =>
        Assert.Equal(expected, CoreList.Format(cores));

    [Theory]
    [InlineData("1,0")]
    [InlineData("4-5,0-1")]
    [InlineData("0-3,8")]
    public void WhatFormatWritesParsesBackToTheSameOrder(string text)
    {
        int[] allowed = Enumerable.Range(0, 16).ToArray();
        var cores = CoreList.Parse(text, allowed);
        Assert.Equal(text, CoreList.Format(cores));
        Assert.Equal(cores, CoreList.Parse(CoreList.Format(cores), allowed));
    }
}
