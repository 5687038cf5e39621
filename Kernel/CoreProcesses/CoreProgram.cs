using System.Reflection;

namespace Multikernel.CoreProcesses;

/// <summary>
/// The program every core process runs, and what it knows by name: dispatcher images and request handlers. In process
/// mode nothing managed crosses a process boundary, so the host names an image or a request by a 64-bit id of its
/// name (FNV-1a), and every process finds the same code because every process runs the same program and builds the
/// same registry (the program's <c>Main</c> passes it to <see cref="CoreProcess.Run"/> when started as a core). Thread
/// mode uses the same registry for <see cref="MultikernelSystem.RequestAsync"/> and the named
/// <see cref="MultikernelSystem.SpawnAsync(int, string, CoreArgs)"/>, so an experiment has one code path for both modes.
/// <para>The kernel's own requests (names starting "kernel.") are registered by the constructor.</para>
/// <para>Invariant: names are unique and so are their ids (a collision is refused at registration).</para>
/// </summary>
public sealed class CoreProgram
{
    readonly Dictionary<ulong, (string Name, CoreImage Image)> _images = new();
    readonly Dictionary<ulong, (string Name, CoreRequestHandler Handler)> _requests = new();

    /// <summary>The executable whose <c>Main</c> starts core processes with this registry.</summary>
    public Assembly Assembly { get; }

    /// <param name="program">The program's entry assembly (an executable): core processes run it with the arguments
    /// <see cref="CoreProcess.IsRequested"/> recognises.</param>
    public CoreProgram(Assembly program)
    {
        ArgumentNullException.ThrowIfNull(program);
        Assembly = program;
        KernelRequests.AddTo(this);
    }

    /// <summary>Registers a dispatcher image under <paramref name="name"/>.</summary>
    public CoreProgram AddImage(string name, CoreImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        Add(_images, name, (name, image), kernel: false);
        return this;
    }

    /// <summary>Registers a request handler under <paramref name="name"/>.</summary>
    public CoreProgram AddRequest(string name, CoreRequestHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(_requests, name, (name, handler), kernel: false);
        return this;
    }

    internal void AddKernelRequest(string name, CoreRequestHandler handler) => Add(_requests, name, (name, handler), kernel: true);

    void Add<T>(Dictionary<ulong, (string Name, T Value)> table, string name, (string, T) entry, bool kernel)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!kernel && name.StartsWith("kernel.", StringComparison.Ordinal))
            throw new ArgumentException($"'{name}': names starting with 'kernel.' belong to the kernel", nameof(name));
        ulong id = IdOf(name);
        if (table.TryGetValue(id, out var old))
            throw new ArgumentException(old.Name == name ? $"'{name}' is registered twice" : $"'{name}' and '{old.Name}' have the same id; rename one", nameof(name));
        table[id] = entry;
    }

    /// <summary>The id a name travels as (FNV-1a, 64 bits, of its UTF-16 code units).</summary>
    public static ulong IdOf(string name)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in name)
        {
            h = (h ^ (byte)c) * 1099511628211UL;
            h = (h ^ (byte)(c >> 8)) * 1099511628211UL;
        }
        return h;
    }

    /// <summary>The image registered under <paramref name="id"/>; throws naming the id when there is none.</summary>
    internal (string Name, CoreImage Image) Image(ulong id) =>
        _images.TryGetValue(id, out var e) ? e : throw new KeyNotFoundException($"no dispatcher image with id 0x{id:x16} is registered in {Assembly.GetName().Name}'s core program");

    /// <summary>The request handler registered under <paramref name="id"/>; throws naming the id when there is none.</summary>
    internal (string Name, CoreRequestHandler Handler) Request(ulong id) =>
        _requests.TryGetValue(id, out var e) ? e : throw new KeyNotFoundException($"no request with id 0x{id:x16} is registered in {Assembly.GetName().Name}'s core program");

    internal bool HasImage(string name) => _images.ContainsKey(IdOf(name));
    internal bool HasRequest(string name) => _requests.ContainsKey(IdOf(name));
}
