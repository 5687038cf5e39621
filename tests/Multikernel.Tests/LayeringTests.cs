using System.Reflection;
using System.Reflection.Emit;

namespace Multikernel.Tests;

/// <summary>
/// The kernel's layers reference only layers below them (Barrelfish's layout: the threads package below the domain
/// code, OpenMP-style loops above both), and no namespace is named like a type. Checked on the compiled kernel: every
/// type of a namespace (nested and compiler-generated ones included), its base types, interfaces, fields, method
/// signatures and every type, field and method its method bodies name (IL tokens).
/// </summary>
public class LayeringTests
{
    static readonly Assembly Kernel = typeof(MultikernelSystem).Assembly;
    const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    [Theory]
    [InlineData("Multikernel.Threads", "Multikernel.Domains")]
    [InlineData("Multikernel.Threads", "Multikernel.ParallelLoops")]
    [InlineData("Multikernel.Domains", "Multikernel.ParallelLoops")]
    [InlineData("Multikernel.Urpc", "Multikernel.CpuDriver")]
    [InlineData("Multikernel.Urpc", "Multikernel.Monitor")]
    [InlineData("Multikernel.Urpc", "Multikernel.Domains")]
    [InlineData("Multikernel.CpuDriver", "Multikernel.Monitor")]
    [InlineData("Multikernel.CpuDriver", "Multikernel.Domains")]
    [InlineData("Multikernel.Monitor", "Multikernel.Domains")]
    public void LowerLayerDoesNotReferenceHigherOne(string lower, string higher)
    {
        var offending = new SortedSet<string>();
        foreach (var t in Kernel.GetTypes().Where(t => t.Namespace == lower))
            foreach (var (where, used) in References(t))
                if (used.Namespace == higher) offending.Add($"{t.FullName}: {where} uses {used.FullName}");
        Assert.True(offending.Count == 0, $"{lower} must not reference {higher}:\n" + string.Join('\n', offending));
        Assert.Contains(Kernel.GetTypes(), t => t.Namespace == lower); // the check saw the layer
    }

    [Fact]
    public void TheCheckSeesReferencesInMethodBodies()
    {
        // ParallelLoops is above Domains: its bodies call DomainDispatcher, so the scanner must find that.
        var found = Kernel.GetTypes().Where(t => t.Namespace == "Multikernel.ParallelLoops")
            .SelectMany(References).Any(r => r.Used.Namespace == "Multikernel.Domains" && r.Where.StartsWith("body of", StringComparison.Ordinal));
        Assert.True(found, "the IL scan found no call from the fork-join layer into the domain layer: the scanner is broken");
    }

    [Fact]
    public void NoNamespaceIsNamedLikeAKernelType()
    {
        var typeNames = Kernel.GetTypes().Where(t => !t.IsNested).Select(t => t.Name).ToHashSet();
        var clashes = Kernel.GetTypes().Select(t => t.Namespace).OfType<string>().Distinct()
            .SelectMany(ns => ns.Split('.').Where(typeNames.Contains).Select(seg => $"namespace {ns} vs type {seg}"))
            .ToList();
        Assert.True(clashes.Count == 0, string.Join('\n', clashes));
    }

    static IEnumerable<(string Where, Type Used)> References(Type t)
    {
        foreach (var u in Expand(t.BaseType)) yield return ("base type", u);
        foreach (var i in t.GetInterfaces()) foreach (var u in Expand(i)) yield return ("interface", u);
        foreach (var f in t.GetFields(All)) foreach (var u in Expand(f.FieldType)) yield return ($"field {f.Name}", u);
        foreach (var m in t.GetMethods(All).Cast<MethodBase>().Concat(t.GetConstructors(All)))
        {
            if (m is MethodInfo mi) foreach (var u in Expand(mi.ReturnType)) yield return ($"signature of {m.Name}", u);
            foreach (var p in m.GetParameters()) foreach (var u in Expand(p.ParameterType)) yield return ($"signature of {m.Name}", u);
            foreach (var l in m.GetMethodBody()?.LocalVariables ?? []) foreach (var u in Expand(l.LocalType)) yield return ($"local of {m.Name}", u);
            foreach (var member in BodyMembers(m))
            {
                var types = member switch
                {
                    Type type => Expand(type),
                    FieldInfo f => Expand(f.DeclaringType).Concat(Expand(f.FieldType)),
                    MethodBase callee => Expand(callee.DeclaringType)
                        .Concat(callee is MethodInfo cm ? Expand(cm.ReturnType) : [])
                        .Concat(callee.GetParameters().SelectMany(p => Expand(p.ParameterType)))
                        .Concat(callee.IsGenericMethod ? callee.GetGenericArguments().SelectMany(Expand) : []),
                    _ => [],
                };
                foreach (var u in types) yield return ($"body of {m.Name}", u);
            }
        }
    }

    /// <summary>A type and everything it is built from (generic arguments, element types).</summary>
    static IEnumerable<Type> Expand(Type? t)
    {
        if (t == null || t.IsGenericParameter) yield break;
        if (t.HasElementType) { foreach (var u in Expand(t.GetElementType())) yield return u; yield break; }
        yield return t.IsGenericType ? t.GetGenericTypeDefinition() : t;
        if (t.IsGenericType) foreach (var a in t.GetGenericArguments()) foreach (var u in Expand(a)) yield return u;
    }

    /// <summary>The types, fields and methods named by tokens in <paramref name="m"/>'s IL.</summary>
    static IEnumerable<MemberInfo> BodyMembers(MethodBase m)
    {
        var il = m.GetMethodBody()?.GetILAsByteArray();
        if (il == null) yield break;
        var typeArgs = m.DeclaringType is { IsGenericType: true } dt ? dt.GetGenericArguments() : null;
        var methodArgs = m.IsGenericMethod ? m.GetGenericArguments() : null;
        int i = 0;
        while (i < il.Length)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: i += 1; break;
                case OperandType.InlineVar: i += 2; break;
                case OperandType.InlineI8 or OperandType.InlineR: i += 8; break;
                case OperandType.InlineSwitch: i += 4 + 4 * BitConverter.ToInt32(il, i); break;
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                {
                    int token = BitConverter.ToInt32(il, i);
                    i += 4;
                    yield return m.Module.ResolveMember(token, typeArgs, methodArgs)!;
                    break;
                }
                default: i += 4; break; // InlineBrTarget, InlineI, InlineSig, InlineString, ShortInlineR
            }
        }
    }
}
