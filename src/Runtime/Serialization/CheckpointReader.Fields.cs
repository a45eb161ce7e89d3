using System.Globalization;

namespace Bulwark.Serialization;

/// <summary>
/// The field entry points that know the member being restored (its id and C# type, passed by generated code), so
/// that a field written by an incompatible version of the member is reported as that change, with the remedy, rather
/// than as whatever decoding error the foreign bytes happen to cause later.
/// </summary>
public ref partial struct CheckpointReader
{
    /// <summary>
    /// Enters the field <paramref name="id"/> of a non-nullable member of <paramref name="stateType"/>, as
    /// <see cref="BeginField(string, CheckpointWireKind, CheckpointWireKind, ref bool)"/>; a wire kind other than
    /// <paramref name="expected"/> is reported as the type change it is, and a value that does not fit the member's
    /// integer type (it was written from a wider one) names the field the same way.
    /// </summary>
    /// <param name="stateType">The state type that declares the member, as it appears in field paths.</param>
    /// <param name="name">The member's name, the new segment of the field path.</param>
    /// <param name="id">The member's <c>[Id]</c>.</param>
    /// <param name="memberType">The member's C# type, e.g. <c>long</c> or <c>List&lt;string&gt;</c>.</param>
    /// <param name="actual">The wire kind stored in the file.</param>
    /// <param name="expected">The wire kind the member's type is written as.</param>
    /// <param name="seen">Whether the field was read before; set by this call.</param>
    public void BeginField(string stateType, string name, int id, string memberType, CheckpointWireKind actual, CheckpointWireKind expected, ref bool seen)
    {
        Push(new PathSegment(SegmentKind.Field, name, id, stateType, memberType));
        CheckOnce(ref seen);
        if (actual == CheckpointWireKind.Null)
        {
            throw Fail(_position, "the stored value is null but the member is not nullable");
        }

        if (actual != expected)
        {
            throw Fail(_position, KindChanged(actual));
        }
    }

    /// <summary>As <see cref="BeginField(string, string, int, string, CheckpointWireKind, CheckpointWireKind, ref bool)"/> for a nullable member; false when the stored value is null.</summary>
    public bool BeginNullableField(string stateType, string name, int id, string memberType, CheckpointWireKind actual, CheckpointWireKind expected, ref bool seen)
    {
        Push(new PathSegment(SegmentKind.Field, name, id, stateType, memberType));
        CheckOnce(ref seen);
        if (actual == CheckpointWireKind.Null)
        {
            return false;
        }

        if (actual != expected)
        {
            throw Fail(_position, KindChanged(actual));
        }

        return true;
    }

    /// <summary>The reason for a stored wire kind the member's type does not read, naming the field being read.</summary>
    private readonly string KindChanged(CheckpointWireKind actual)
    {
        var field = _path[_pathLength - 1];
        return $"field {field.StateType}.{field.Text} (id {field.Number.ToString(CultureInfo.InvariantCulture)}) was written as {actual}, the member is {field.MemberType}: give the member a new id";
    }

    /// <summary>
    /// The reason for an integer outside its type's range inside a field entered with its id and type, or null when
    /// there is none (a caller of the older <c>BeginField</c>, or a type that is not a narrowed integer).
    /// </summary>
    private readonly string? OutOfRange(string value, string type, string range, bool narrowable)
    {
        if (!narrowable)
        {
            return null;
        }

        for (var i = _pathLength - 1; i >= 0; i--)
        {
            if (_path[i] is { Kind: SegmentKind.Field, StateType: { } stateType, MemberType: { } memberType } field)
            {
                return $"field {stateType}.{field.Text} (id {field.Number.ToString(CultureInfo.InvariantCulture)}) holds {value}, outside the range {range} of {type} (the member is {memberType}): it was written from a wider type; give the member a new id";
            }
        }

        return null;
    }
}
