// corpus: a hash index probe loop `while (true)` left by goto when the key is found; its caller gets any exception (silent)
namespace Corpus.BWK1004.HashIndexProbeLeftByGoto
{
    sealed class HashIndex
    {
        private readonly long[] _keys = new long[1024];
        private readonly long[] _addresses = new long[1024];

        private int NextSlot(int slot) => (slot + 1) & (_keys.Length - 1);

        public long FindAddress(long key)
        {
            var slot = (int)(key & (_keys.Length - 1));
            var probes = 0;
            while (true)
            {
                if (_keys[slot] == key) goto found;
                if (_keys[slot] == 0 || ++probes == _keys.Length) goto missing;
                slot = NextSlot(slot);
            }

        found:
            return _addresses[slot];

        missing:
            return -1;
        }
    }
}
