using System.Text;
using Aligner.Tokenization.Decoders;
using Aligner.Tokenization.Models;
using Aligner.Tokenization.Normalizers;
using Aligner.Tokenization.PostProcessors;

namespace Aligner.Tokenization;

/// <summary>
/// Reads a SentencePiece <c>tokenizer.model</c> (a <c>ModelProto</c> protobuf) with a BPE model into a
/// <see cref="HuggingFaceTokenizer"/>, the way Hugging Face's Llama converter does: pieces become the vocabulary,
/// merges are every split of a piece into two pieces ranked by the merged piece's score, control and unknown pieces
/// are special added tokens, and spaces become <c>▁</c> with a dummy prefix.
/// </summary>
internal static class SentencePieceModelReader
{
    private const int NormalPiece = 1, UnknownPiece = 2, ControlPiece = 3, UserDefinedPiece = 4, UnusedPiece = 5, BytePiece = 6;
    private const int BpeModelType = 2;

    private sealed record Piece(string Text, float Score, int Type);

    private sealed class TrainerSpec
    {
        public int ModelType = 1;
        public bool ByteFallback;
        public bool TreatWhitespaceAsSuffix;
        public int UnkId, BosId = 1, EosId = 2, PadId = -1;
    }

    private sealed class NormalizerSpec
    {
        public string Name = "";
        public bool HasCharsMap;
        public bool AddDummyPrefix = true;
        public bool RemoveExtraWhitespaces = true;
        public bool EscapeWhitespaces = true;
    }

    public static HuggingFaceTokenizer Read(string path, TokenizerSettings settings, TokenizerSource source)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { throw new ModelFormatException(path, null, "cannot be read: " + e.Message, e); }

        var pieces = new List<Piece>();
        var trainer = new TrainerSpec();
        var normalizer = new NormalizerSpec();
        try
        {
            var reader = new ProtobufReader(bytes);
            while (reader.TryReadField(out var field, out var wireType))
            {
                switch (field, wireType)
                {
                    case (1, 2): pieces.Add(ReadPiece(reader.ReadMessage())); break;
                    case (2, 2): ReadTrainerSpec(reader.ReadMessage(), trainer); break;
                    case (3, 2): ReadNormalizerSpec(reader.ReadMessage(), normalizer); break;
                    default: reader.Skip(wireType); break;
                }
            }
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw new ModelFormatException(path, null, "not a valid SentencePiece model: " + e.Message, e);
        }
        if (pieces.Count == 0) throw new ModelFormatException(path, "pieces", "the model has no pieces");
        if (trainer.ModelType != BpeModelType)
            throw new NotSupportedModelException(path, "trainer_spec.model_type", $"model type {ModelTypeName(trainer.ModelType)} is not supported; only BPE is");
        if (trainer.TreatWhitespaceAsSuffix)
            throw new NotSupportedModelException(path, "trainer_spec.treat_whitespace_as_suffix", "whitespace as suffix is not supported");
        if (normalizer.HasCharsMap && normalizer.Name != "identity")
            throw new NotSupportedModelException(path, "normalizer_spec.name", $"normalization rule '{normalizer.Name}' (a precompiled character map) is not supported; only 'identity' is");
        if (!normalizer.EscapeWhitespaces)
            throw new NotSupportedModelException(path, "normalizer_spec.escape_whitespaces", "models that keep spaces unescaped are not supported");

        var vocabulary = new Dictionary<string, int>(pieces.Count, StringComparer.Ordinal);
        for (int id = 0; id < pieces.Count; id++) vocabulary.TryAdd(pieces[id].Text, id);

        var addedTokens = new List<AddedToken>();
        for (int id = 0; id < pieces.Count; id++)
        {
            var p = pieces[id];
            if (p.Type is ControlPiece or UnknownPiece)
                addedTokens.Add(new AddedToken(id, p.Text, false, false, false, false, Special: true));
            else if (p.Type == UserDefinedPiece)
                addedTokens.Add(new AddedToken(id, p.Text, false, false, false, false, Special: false));
        }

        var model = new BpeModel(vocabulary, BuildMerges(pieces, vocabulary), trainer.UnkId >= 0 && trainer.UnkId < pieces.Count ? trainer.UnkId : null,
            fuseUnknown: true, byteFallback: trainer.ByteFallback, ignoreMerges: false);

        var normalizers = new List<ITextNormalizer>();
        if (normalizer.RemoveExtraWhitespaces) normalizers.Add(new CollapseSpacesNormalizer());
        if (normalizer.AddDummyPrefix) normalizers.Add(new PrependNormalizer("\u2581"));
        normalizers.Add(new ReplaceNormalizer(TextPattern.Literal(" "), "\u2581"));

        var decoders = new List<ITokenDecoder>
        {
            new ReplaceDecoder(TextPattern.Literal("\u2581"), " "),
            new ByteFallbackDecoder(),
            new FuseDecoder(),
        };
        if (normalizer.AddDummyPrefix) decoders.Add(new StripDecoder(' ', 1, 0));

        string? PieceText(int id) => id >= 0 && id < pieces.Count ? pieces[id].Text : null;
        var effective = settings with
        {
            BosToken = settings.BosToken ?? PieceText(trainer.BosId),
            EosToken = settings.EosToken ?? PieceText(trainer.EosId),
            UnkToken = settings.UnkToken ?? PieceText(trainer.UnkId),
            PadToken = settings.PadToken ?? PieceText(trainer.PadId),
        };
        var wrapping = PieceText(trainer.BosId) is not null ? new SpecialTokenWrapping([trainer.BosId], []) : SpecialTokenWrapping.None;

        return new HuggingFaceTokenizer(model, addedTokens, new SequenceNormalizer(normalizers), preTokenizer: null,
            new SequenceDecoder(decoders), wrapping, effective, source);
    }

    /// <summary>Every split of a piece into two pieces, ranked by the merged piece's score (highest first), then by the ids of the halves.</summary>
    private static Dictionary<long, (int Rank, int NewId)> BuildMerges(List<Piece> pieces, Dictionary<string, int> vocabulary)
    {
        var candidates = new List<(float Score, int MergedId, int Left, int Right)>();
        for (int id = 0; id < pieces.Count; id++)
        {
            var p = pieces[id];
            if (p.Type is not NormalPiece and not UserDefinedPiece || vocabulary[p.Text] != id) continue;
            var text = p.Text;
            for (int split = 1; split < text.Length; split++)
            {
                if (char.IsLowSurrogate(text[split])) continue;
                if (vocabulary.TryGetValue(text[..split], out var left) && vocabulary.TryGetValue(text[split..], out var right))
                    candidates.Add((p.Score, id, left, right));
            }
        }
        candidates.Sort((a, b) =>
        {
            int c = b.Score.CompareTo(a.Score);
            if (c != 0) return c;
            c = a.Left.CompareTo(b.Left);
            return c != 0 ? c : a.Right.CompareTo(b.Right);
        });
        var merges = new Dictionary<long, (int, int)>(candidates.Count);
        for (int rank = 0; rank < candidates.Count; rank++)
        {
            var m = candidates[rank];
            merges.TryAdd(BpeModel.PairKey(m.Left, m.Right), (rank, m.MergedId));
        }
        return merges;
    }

    private static Piece ReadPiece(ProtobufReader r)
    {
        string text = "";
        float score = 0;
        int type = NormalPiece;
        while (r.TryReadField(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2): text = r.ReadString(); break;
                case (2, 5): score = r.ReadFloat(); break;
                case (3, 0): type = (int)r.ReadVarint(); break;
                default: r.Skip(wire); break;
            }
        }
        return new Piece(text, score, type);
    }

    private static void ReadTrainerSpec(ProtobufReader r, TrainerSpec spec)
    {
        while (r.TryReadField(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (3, 0): spec.ModelType = (int)r.ReadVarint(); break;
                case (24, 0): spec.TreatWhitespaceAsSuffix = r.ReadVarint() != 0; break;
                case (35, 0): spec.ByteFallback = r.ReadVarint() != 0; break;
                case (40, 0): spec.UnkId = (int)r.ReadVarint(); break;
                case (41, 0): spec.BosId = (int)r.ReadVarint(); break;
                case (42, 0): spec.EosId = (int)r.ReadVarint(); break;
                case (43, 0): spec.PadId = (int)r.ReadVarint(); break;
                default: r.Skip(wire); break;
            }
        }
    }

    private static void ReadNormalizerSpec(ProtobufReader r, NormalizerSpec spec)
    {
        while (r.TryReadField(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2): spec.Name = r.ReadString(); break;
                case (2, 2): spec.HasCharsMap = r.ReadBytes().Length > 0; break;
                case (3, 0): spec.AddDummyPrefix = r.ReadVarint() != 0; break;
                case (4, 0): spec.RemoveExtraWhitespaces = r.ReadVarint() != 0; break;
                case (5, 0): spec.EscapeWhitespaces = r.ReadVarint() != 0; break;
                default: r.Skip(wire); break;
            }
        }
    }

    private static string ModelTypeName(int type) => type switch
    {
        1 => "UNIGRAM",
        2 => "BPE",
        3 => "WORD",
        4 => "CHAR",
        _ => type.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The little of the protobuf wire format a ModelProto needs.</summary>
    private sealed class ProtobufReader(byte[] buffer, int start, int end)
    {
        private int _position = start;

        public ProtobufReader(byte[] buffer) : this(buffer, 0, buffer.Length) { }

        public bool TryReadField(out int field, out int wireType)
        {
            field = wireType = 0;
            if (_position >= end) return false;
            var key = ReadVarint();
            field = (int)(key >> 3);
            wireType = (int)(key & 7);
            if (field == 0) throw new FormatException($"field number 0 at byte {_position}");
            return true;
        }

        public ulong ReadVarint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (_position >= end) throw new FormatException("truncated varint");
                byte b = buffer[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return value;
            }
            throw new FormatException("varint longer than 10 bytes");
        }

        public float ReadFloat()
        {
            if (_position + 4 > end) throw new FormatException("truncated float");
            var value = BitConverter.ToSingle(buffer, _position);
            _position += 4;
            return value;
        }

        public ReadOnlySpan<byte> ReadBytes()
        {
            var length = ReadVarint();
            if (length > (ulong)(end - _position)) throw new FormatException("length-delimited field runs past its message");
            var span = buffer.AsSpan(_position, (int)length);
            _position += (int)length;
            return span;
        }

        public string ReadString() => Encoding.UTF8.GetString(ReadBytes());

        public ProtobufReader ReadMessage()
        {
            var length = ReadVarint();
            if (length > (ulong)(end - _position)) throw new FormatException("message runs past its parent");
            var message = new ProtobufReader(buffer, _position, _position + (int)length);
            _position += (int)length;
            return message;
        }

        public void Skip(int wireType)
        {
            switch (wireType)
            {
                case 0: ReadVarint(); break;
                case 1: Advance(8); break;
                case 2: ReadBytes(); break;
                case 5: Advance(4); break;
                default: throw new FormatException($"unsupported wire type {wireType}");
            }
        }

        private void Advance(int count)
        {
            if (_position + count > end) throw new FormatException("truncated field");
            _position += count;
        }
    }
}
