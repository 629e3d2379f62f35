import hashlib,re,sys
def die(*m):sys.exit("error: "+"".join(map(str,m)))
c,_,h=open(__file__,"rb").read().rpartition(b"\n#=")
h.strip()==hashlib.sha256(c+b"\n").hexdigest().encode()or die("combine.py is mistyped")
A="0123456789ABCDEFGHJKMNPQRSTVWXYZ"
V={**{c:A.find(c.upper())for c in A+A.lower()},**dict(O=0,o=0,I=1,i=1,L=1,l=1)}
def H(t,b):return hashlib.sha256(t.encode()+b).digest()
def b32(b):
 s="".join(f"{x:08b}"for x in b)+"0000"
 return"".join(A[int(s[j:j+5],2)]for j in range(0,len(b)*8,5))
def unb(v):
 s="".join(f"{x:05b}"for x in v);n=len(s)//8
 if-(-n*8//5)==len(v)and"1"not in s[n*8:]:return int("0"+s[:n*8],2).to_bytes(n,"big")
def M(k):return int.from_bytes(H("drkit/1 line check",k)[:2],"big")>>6
def ok(s,n,p,m):
 x=h=0
 for w in[s,n>>5,n&31]+p[:-2]:x^=w;h=(h*2^(37 if h&16 else 0))^w
 return p[-2:]==[x^m>>5,h^m&31]
def read(f):
 L,C=[],[]
 for r in re.split("\r?\n",open(f).read()):
  if r.strip(" \t")[:1]in"#":C+=[r];continue
  n=len(L)+1;b=re.match("[ \t]*([0-9]+)[ \t]*:",r);j=b.end()if b else 0
  b and int(b[1])!=n and die(f," line ",n,": labelled ",b[1])
  for x in r[j:]:x in V or x in" \t"or die(f," line ",n,": character '",x,"' is not allowed")
  L+=[(n,[V[x]for x in r[j:]if x in V])]
 for n,p in L[:-1]:len(p)==26 or die(f," line ",n,": has ",len(p)-2," characters, not 24")
 return L,C
def check(f,L,s,m,e):
 B=[n for n,p in L if not ok(s,n,p,m)]
 B and len(B)==len(L)>1 and die(f,e)
 B and die(f," line ",B[0],": check characters do not match")
def share(f):
 L,C=read(f);L or die(f,": no share lines")
 h=unb((L[0][1][:-2]+[0]*12)[:12]+[0]);i,n,k,K=h[1]>>4,h[1]&15,h[0]&15,h[2:7]
 check(f,L[:1],i,0,"");h[0]>>4==1 and 2<=k<=n and 0<i<=n or die(f,": not a drkit share")
 check(f,L[1:],i,M(K)," line 1: is from another share or kit")
 b=unb(sum((p[:-2]for _,p in L),[]))
 len(L)==3 and b and len(b)==40 or die(f,": not 3 lines of 24, 24, 16 characters")
 P=b32(H("drkit/1 fingerprint",b))[:4];t="".join([t for t in C if"fingerprints:"in t][:1])
 F={int(a):e.upper().translate({79:48,73:49,76:49})for a,e in re.findall("([0-9]+)=(....)",t)}
 F.get(i,P)==P or die(f,": share ",i," has fingerprint ",P,", its list says ",F[i])
 return dict(f=f,K=K,i=i,k=(K,k,n),y=b[7:39],x=b[39],P=P,F=F,id=b32(K)[:4]+"-"+b32(K)[4:])
len(sys.argv)>2 or die("usage: python3 combine.py envelope.txt share-*.txt")
e=sys.argv[1];S=[share(f)for f in sys.argv[2:]];a=S[0];I=a["id"];k=a["k"][1]
for s in S:s["k"]==a["k"]or die(s["f"]," is of kit ",s["id"],", ",a["f"]," of ",I)
for j,s in enumerate(S):
 f,i,P=s["f"],s["i"],s["P"]
 for t in S[:j]:t["i"]!=i or die(t["f"]," and ",f," are both share ",i)
 for t in S:
  g=t["F"].get(i,P);g==P or die(f,": share ",i," has fingerprint ",P,", ",t["f"]," lists ",g)
len(S)<k and die("kit ",I," needs ",k," shares, ",len(S)," given")
R=re.split("\r?\n",open(e).read());Q=sorted({r.strip()for r in R if r[:4]=="DK1E"})
Q or all(r[:4]!="DK1S"for r in R)or die(e,": holds a share's QR code, not the envelope's")
for r in Q:re.fullmatch("DK1E[1-9]{2}[0-9A-HJKMNP-TV-Z]+",r)or die(e,": a QR code is damaged")
q=Q and Q[0][5]or"0";G=[f"{j}{q}"for j in range(1,int(q)+1)]
[r[4:6]for r in Q]==G or die(e,": holds ",len(Q)," of its ",q," QR codes")
L=[]if Q else read(e)[0];check(e,L,0,M(a["K"]),": no line matches kit "+I)
v=[V[x]for r in Q for x in r[6:]]or sum((p[:-2]for _,p in L),[]);E=unb(v)or b"0"
len(E)>45 and E[0]==1 or die(e,": not a drkit envelope")
z=int.from_bytes(E[4:6],"big")+6;len(E)==z or die(e,": holds ",len(E)," bytes, not ",z)
N=", ".join(str(s["i"])for s in S);key=bytearray(32)
len({s["x"]for s in S})==len(S)or die("shares ",N," repeat an evaluation point")
def mul(a,b):return b and(a if b&1 else 0)^mul(a*2^(283 if a&128 else 0),b>>1)
for s in S:
 w=1
 for t in S:
  if t!=s:
   w=mul(w,t["x"])
   for _ in range(254):w=mul(w,t["x"]^s["x"])
 for j in range(32):key[j]^=mul(s["y"][j],w)
H("drkit/1 key check",bytes(key))[:3]==E[1:4]or die("shares ",N," do not open ",e)
open("kit.gpg","wb").write(E[6:]);print(b32(bytes(key)))
#=5e360901878e129c4594a09d33f564f7b60e75ae76246b5b757c429eabb88dc6
