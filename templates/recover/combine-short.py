import hashlib,sys
H=lambda b:hashlib.sha256(b).digest()
c,_,d=open(__file__,"rb").read().rpartition(b"#=")
H(c).hex()[:16]in str(d)or exit("combine.py is mistyped")
A="0123456789ABCDEFGHJKMNPQRSTVWXYZ"
B=lambda b:"".join(A[int.from_bytes(b+b"\0","big")>>259-5*i&31]for i in range(52))
def R(f):
 n=c=0;L=open(f).read().upper().translate({79:48,73:49,76:49}).split("\n")
 for l in[l[6:]+"00"for l in sorted({*L})if"DK1E"==l[:4]]or L:
  for x in("#"not in l)*"".join(l.split(":")[-1].split())[:-2]:n=n*32+A.find(x);c+=1
 return(n>>c*5%8).to_bytes(c*5//8,"big"),c
m=lambda a,b:b and a*(b&1)^m(a*2^283*(a>127),b>>1)
_,e,*F=sys.argv;E,c=R(e);S=[R(f)[0].ljust(40)for f in F];k=bytes(32)
c==(8*int.from_bytes(E[4:6],"big")+52)//5 or exit(e+": wrong length")
for s in S:
 w=1
 for t in S:
  for u in[v:=t[39]]+[v^s[39]or v]*254:w=m(w,u)
 k=bytes(a^m(y,w)for a,y in zip(k,s[7:]))
H(b"drkit/1 key check"+k)[:3]==E[1:4]or exit("".join(
f"{f} {B(H(b'drkit/1 fingerprint'+s))[:4]}\n"for f,s in zip(F,S))+
"retype the share whose fingerprint is not on its sheet")
open("kit.gpg","wb").write(E[6:]);print(B(k))
#=fe2fd0ce3e80ab87
